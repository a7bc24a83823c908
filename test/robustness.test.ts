/**
 * Checks never throw on what ARM or the Azure CLI can send: any field may be null (the CLI prints
 * unset fields as null) or absent. A crash would surface as `error` (checkFailed): this proves none do.
 */
import fc from "fast-check";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { catalogue } from "../shared/baseline/catalogue.js";
import { evaluate } from "../shared/baseline/evaluate.js";
import { resolveProfile } from "../shared/baseline/profile.js";
import { compliantCluster, NOW, snapshotOf, type Json } from "./support/clusters.js";

const everyCheck = resolveProfile({ checks: Object.fromEntries(catalogue.map((check) => [check.id, true])) }, "all");

/** The evaluation of an edited document, or undefined when the SDK's own mapper refuses it (a clear input error). */
async function evaluateEdited(document: Json) {
  try {
    return evaluate(await snapshotOf(document), everyCheck, NOW);
  } catch (error) {
    expect(String(error)).toMatch(/is not a readable managed cluster/);
    return undefined;
  }
}

/** Every path to a value inside a JSON document. */
function paths(value: unknown, prefix: Array<string | number> = []): Array<Array<string | number>> {
  if (Array.isArray(value)) return value.flatMap((item, index) => [[...prefix, index], ...paths(item, [...prefix, index])]);
  if (typeof value === "object" && value !== null) {
    return Object.entries(value).flatMap(([key, item]) => [[...prefix, key], ...paths(item, [...prefix, key])]);
  }
  return [];
}

function edit(document: Json, path: Array<string | number>, how: "null" | "delete" | "empty"): void {
  let parent: any = document;
  for (const key of path.slice(0, -1)) parent = parent?.[key];
  const last = path[path.length - 1]!;
  if (parent === null || typeof parent !== "object") return;
  if (how === "delete" && !Array.isArray(parent)) delete parent[last];
  else if (how === "empty") parent[last] = Array.isArray(parent[last]) ? [] : typeof parent[last] === "object" ? {} : "";
  else parent[last] = null;
}

const bases: Json[] = [
  compliantCluster(),
  JSON.parse(readFileSync(join(import.meta.dirname, "..", "examples", "fleet", "prod-weu-payments.json"), "utf8")),
];

describe("checks on null, empty and missing fields", () => {
  for (const [index, base] of bases.entries()) {
    const all = paths(base).filter((path) => !(path.length === 1 && ["id", "type"].includes(String(path[0]))));
    it(`never fail as an engine error when any of ${all.length} fields of base ${index} is nulled, emptied or removed`, async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.array(fc.tuple(fc.constantFrom(...all), fc.constantFrom("null", "delete", "empty") as fc.Arbitrary<"null" | "delete" | "empty">), {
            minLength: 1,
            maxLength: 12,
          }),
          async (edits) => {
            const document = structuredClone(base);
            for (const [path, how] of edits) edit(document, path, how);
            const evaluation = await evaluateEdited(document);
            const crashes = (evaluation?.findings ?? []).filter((finding) => finding.errorKind === "checkFailed");
            expect(crashes.map((finding) => `${finding.check}: ${finding.message}`)).toEqual([]);
          },
        ),
        { numRuns: 300, seed: 20261126 },
      );
    });

    it(`never crash when every field of base ${index} is null, one at a time`, async () => {
      for (const path of all) {
        const document = structuredClone(base);
        edit(document, path, "null");
        const evaluation = await evaluateEdited(document);
        const crashes = (evaluation?.findings ?? []).filter((finding) => finding.errorKind === "checkFailed");
        expect(crashes.map((finding) => `${path.join(".")} → ${finding.check}: ${finding.message}`)).toEqual([]);
      }
    });
  }
});
