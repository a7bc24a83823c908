/**
 * Vitest global setup: one test certificate for the whole run, trusted the standard way.
 *
 * NODE_EXTRA_CA_CERTS is read only when a Node process starts, so setting it here (in the main vitest
 * process, before any test file runs) reaches the tests only because vitest 4's default pool (`forks`)
 * starts each worker with `child_process.fork` and an environment copied from `process.env` at that
 * moment, after global setup. test/support.test.ts proves it with an https request that passes no `ca`.
 * The `threads` pool would not see it (worker threads share the main process's certificate store).
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CERT_PATH_ENV, KEY_PATH_ENV, createTestCertificate } from "./tls.js";

export async function setup(): Promise<void> {
  const certificate = await createTestCertificate();
  process.env[CERT_PATH_ENV] = certificate.certPath;
  process.env[KEY_PATH_ENV] = certificate.keyPath;

  const existing = process.env.NODE_EXTRA_CA_CERTS;
  if (!existing || existing === certificate.certPath) {
    process.env.NODE_EXTRA_CA_CERTS = certificate.certPath;
    return;
  }
  const previous = existsSync(existing) ? readFileSync(existing, "utf8") : "";
  if (previous.includes(certificate.cert.trim())) return;
  // Keep the CAs the developer already trusts (a corporate proxy, say): the variable names one file.
  const dir = mkdtempSync(join(tmpdir(), "aksmon-ca-"));
  process.once("exit", () => rmSync(dir, { recursive: true, force: true }));
  const bundle = join(dir, "ca-bundle.pem");
  writeFileSync(bundle, `${previous.trimEnd()}\n${certificate.cert}`);
  process.env.NODE_EXTRA_CA_CERTS = bundle;
}
