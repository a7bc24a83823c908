import { randomBytes } from "node:crypto";
import { startAzuriteTables } from "../../shared/store/azuriteServer.js";

/**
 * Azurite's Table server in the test's own process: in memory, on a free port, no logs, no telemetry,
 * loose mode off. Starting takes ~10 ms (after ~0.4 s to load Azurite's modules once per worker).
 */
export async function startAzurite(): Promise<{ connectionString: string; close(): Promise<void> }> {
  const azurite = await startAzuriteTables();
  return { connectionString: azurite.connectionString, close: azurite.close };
}

/** A table prefix of its own for a test file or a test: letters and digits, starting with a letter. */
export function tablePrefix(name: string): string {
  return `${name.replace(/[^A-Za-z0-9]/g, "").slice(0, 20) || "t"}${randomBytes(3).toString("hex")}`;
}
