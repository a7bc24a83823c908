// The deployment bundle: every function of functions/ with what it imports, as ESM with code splitting so
// that the Teams bot stack (imported dynamically by the bot endpoint only) stays in its own chunks.
import { build } from "esbuild";
import { readdirSync } from "node:fs";
import { join } from "node:path";

const root = new URL("..", import.meta.url).pathname;
const entryPoints = readdirSync(join(root, "functions"))
  .filter((name) => name.endsWith(".ts"))
  .map((name) => join(root, "functions", name));

const result = await build({
  entryPoints,
  outdir: join(root, "dist", "bundle"),
  bundle: true,
  splitting: true,
  format: "esm",
  platform: "node",
  target: "node22",
  sourcemap: true,
  metafile: true,
  // Provided by the Functions host at run time.
  external: ["@azure/functions-core"],
  // CommonJS dependencies bundled into ESM still call require() for Node built-ins.
  banner: { js: "import { createRequire as __aksmonCreateRequire } from 'node:module'; const require = __aksmonCreateRequire(import.meta.url);" },
  logLevel: "warning",
});
const bytes = Object.entries(result.metafile.outputs)
  .filter(([file]) => file.endsWith(".js"))
  .reduce((sum, [, output]) => sum + output.bytes, 0);
console.log(`bundle: ${entryPoints.length} function(s), ${(bytes / 1024 / 1024).toFixed(1)} MB of JS in dist/bundle`);
