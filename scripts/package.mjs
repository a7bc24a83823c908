// The deployment package, exactly what azd (azure.yaml: `dist: dist/package`, prepackage hook) and
// `func azure functionapp publish` from dist/package upload: every function of functions/ bundled by
// esbuild with all it imports, host.json, and a package.json whose `main` names the entry points. No
// node_modules: the bundle inlines every package, and only what the Functions host provides
// (@azure/functions-core) stays outside. ESM with code splitting, so that what the bot endpoint and the
// node reader import lazily stays in chunks of its own, under functions/chunks/ where `main` does not
// match them (the host imports every file that `main` matches at start).
//
// Whitespace and syntax are minified (half the size, no slower to load); names are kept, so that stack
// traces in the logs still name the functions. No source maps are shipped.
//
// Usage: node scripts/package.mjs [--verify]
//   --verify: then import the package in a fresh process as the host does and list what registered.
import { build } from "esbuild";
import { execFileSync } from "node:child_process";
import { copyFileSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";

const root = new URL("..", import.meta.url).pathname;
const out = join(root, "dist", "package");
const rootPackage = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));
const entryPoints = readdirSync(join(root, "functions"))
  .filter((name) => name.endsWith(".ts"))
  .map((name) => join(root, "functions", name));

rmSync(out, { recursive: true, force: true });
const result = await build({
  entryPoints,
  outdir: join(out, "functions"),
  chunkNames: "chunks/[name]-[hash]",
  bundle: true,
  splitting: true,
  format: "esm",
  platform: "node",
  target: "node22",
  minifyWhitespace: true,
  minifySyntax: true,
  metafile: true,
  legalComments: "eof",
  // Provided by the Functions host at run time.
  external: ["@azure/functions-core"],
  // CommonJS dependencies bundled into ESM still call require() for Node built-ins.
  banner: { js: "import { createRequire as __aksmonCreateRequire } from 'node:module'; const require = __aksmonCreateRequire(import.meta.url);" },
  logLevel: "warning",
});
copyFileSync(join(root, "host.json"), join(out, "host.json"));
const deployedPackage = {
  name: rootPackage.name,
  version: rootPackage.version,
  description: `${rootPackage.description} (the deployed bundle, built by scripts/package.mjs)`,
  private: true,
  type: "module",
  engines: rootPackage.engines,
  main: "functions/*.js",
};
writeFileSync(join(out, "package.json"), `${JSON.stringify(deployedPackage, null, 2)}\n`);
// What went in (inputs, outputs, imports), for the package test: outside the package.
writeFileSync(join(root, "dist", "package.meta.json"), JSON.stringify(result.metafile));

const files = listFiles(out);
const bytes = files.reduce((sum, file) => sum + statSync(file).size, 0);
console.log(`package: ${entryPoints.length} function module(s), ${files.length} files, ${(bytes / 1024 / 1024).toFixed(1)} MB in ${relative(root, out)}`);

if (process.argv.includes("--verify")) {
  const listing = execFileSync(process.execPath, [join(root, "scripts", "functionsHost.mjs"), out], { encoding: "utf8" });
  const { functions } = JSON.parse(listing);
  console.log(`package: ${functions.length} functions register: ${functions.map((f) => f.name).join(", ")}`);
}

function listFiles(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => (entry.isDirectory() ? listFiles(join(dir, entry.name)) : [join(dir, entry.name)]));
}
