import { spawn } from "node:child_process";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { createTestCertificate } from "../test/support/tls.js";

/**
 * Runs `dist/bench/<script>` in its own process, trusting the test certificate that its local HTTPS
 * servers serve (NODE_EXTRA_CA_CERTS is read at start), and returns the JSON line it prints.
 */
export async function measureInProcess<T>(root: string, script: string, args: readonly string[]): Promise<T> {
  const certificate = await createTestCertificate();
  const child = spawn(process.execPath, [join(root, "dist", "bench", script), root, ...args], {
    env: { ...process.env, NODE_EXTRA_CA_CERTS: certificate.certPath, AKSMON_TEST_CERT: certificate.certPath, AKSMON_TEST_KEY: certificate.keyPath },
  });
  child.stderr.pipe(process.stderr);
  const exited = new Promise<number>((resolve) => child.once("exit", (code) => resolve(code ?? 1)));
  const line = await createInterface({ input: child.stdout })[Symbol.asyncIterator]().next();
  const code = await exited;
  if (code !== 0 || line.done) throw new Error(`${script} failed (exit code ${code})`);
  return JSON.parse(line.value as string) as T;
}
