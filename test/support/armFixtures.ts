/** ARM bodies from the committed fixture copy (test/fixtures/arm): REST examples and recorded clusters. */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { Json } from "./httpsServer.js";

const FIXTURES = fileURLToPath(new URL("../fixtures/arm/", import.meta.url));

/** The 200 response body of a REST example, e.g. `restExampleBody("ManagedClustersGet")`. */
export function restExampleBody(name: string): Json {
  const example = JSON.parse(readFileSync(`${FIXTURES}2026-06-01/${name}.json`, "utf8"));
  const body = example.responses?.["200"]?.body;
  if (!body) throw new Error(`${name} has no 200 response body`);
  return body;
}

/** A cluster body recorded from live Azure by azure-cli, e.g. `recordedCluster("test_aks_create_with_windows")`. */
export function recordedCluster(name: string): Json {
  return JSON.parse(readFileSync(`${FIXTURES}recorded/${name}.json`, "utf8"));
}
