import { execFile } from "node:child_process";
import { join } from "node:path";
import { settingsSchema } from "../../shared/config/settings.js";

const ROOT = join(import.meta.dirname, "..", "..");

export interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * `bin/aksmon.js` as a newcomer runs it: none of this process's aksmon settings leak in (only `env`'s),
 * no colour. An `undefined` in `env` leaves that setting unset.
 */
export function runAksmon(env: Record<string, string | undefined>, ...args: string[]): Promise<Run> {
  const clean: Record<string, string | undefined> = { ...process.env };
  for (const name of [...Object.keys(settingsSchema.shape), "AzureWebJobsStorage"]) delete clean[name];
  const defined = Object.fromEntries(Object.entries({ ...clean, NO_COLOR: "1", ...env }).filter(([, value]) => value !== undefined)) as Record<string, string>;
  return new Promise((resolve) => {
    execFile(process.execPath, [join(ROOT, "bin", "aksmon.js"), ...args], { cwd: ROOT, maxBuffer: 64 * 1024 * 1024, env: defined }, (error, stdout, stderr) =>
      resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
  });
}
