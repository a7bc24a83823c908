/**
 * A self-signed certificate for 127.0.0.1 and localhost, made once per process with the `openssl`
 * command. The vitest global setup makes one for the whole run and hands its paths to the test workers
 * (AKSMON_TEST_CERT / AKSMON_TEST_KEY), which then reuse those files instead of making their own; the
 * workers trust it through NODE_EXTRA_CA_CERTS, which the global setup points at it.
 */
import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";

export interface TestCertificate {
  /** PEM */
  cert: string;
  /** PEM, unencrypted */
  key: string;
  certPath: string;
  keyPath: string;
}

export const CERT_PATH_ENV = "AKSMON_TEST_CERT";
export const KEY_PATH_ENV = "AKSMON_TEST_KEY";

const run = promisify(execFile);
let cached: Promise<TestCertificate> | undefined;

export function createTestCertificate(): Promise<TestCertificate> {
  cached ??= fromEnvironment() ?? generate();
  return cached;
}

function fromEnvironment(): Promise<TestCertificate> | undefined {
  const certPath = process.env[CERT_PATH_ENV];
  const keyPath = process.env[KEY_PATH_ENV];
  if (!certPath || !keyPath || !existsSync(certPath) || !existsSync(keyPath)) return undefined;
  return Promise.resolve({ cert: readFileSync(certPath, "utf8"), key: readFileSync(keyPath, "utf8"), certPath, keyPath });
}

async function generate(): Promise<TestCertificate> {
  const dir = mkdtempSync(join(tmpdir(), "aksmon-tls-"));
  process.once("exit", () => rmSync(dir, { recursive: true, force: true }));
  const certPath = join(dir, "cert.pem");
  const keyPath = join(dir, "key.pem");
  // Arguments, not a shell line: `-subj /CN=...` must reach openssl unchanged on every platform.
  await run("openssl", [
    "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
    "-subj", "/CN=127.0.0.1",
    "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost",
    "-keyout", keyPath, "-out", certPath,
  ]);
  return { cert: readFileSync(certPath, "utf8"), key: readFileSync(keyPath, "utf8"), certPath, keyPath };
}
