// What the Functions host's Node worker does at start, without the host: it answers
// require("@azure/functions-core") with its own API (as the worker does, by intercepting require),
// imports every file that the app's package.json `main` matches, and records what registered.
// Prints JSON: { functions: [{ name, trigger, bindings }], hooks: [...], importMs }.
//
// Usage: node scripts/functionsHost.mjs <app directory>
// Used by the package test, the cold-start benchmark and `scripts/package.mjs --verify`.
import Module from "node:module";
import { readFileSync, globSync } from "node:fs";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";

const appDir = resolve(process.argv[2] ?? ".");
const functions = [];
const hooks = [];
const coreApi = {
  version: "stand-in",
  setProgrammingModel() {},
  getProgrammingModel() {
    return undefined;
  },
  registerFunction(metadata) {
    const bindings = Object.values(metadata.bindings ?? {});
    const trigger = bindings.find((binding) => /trigger$/i.test(binding.type));
    functions.push({ name: metadata.name, trigger: trigger?.type, bindings: bindings.map((binding) => `${binding.direction} ${binding.type}`) });
    return { dispose() {} };
  },
  registerHook(name) {
    hooks.push(name);
    return { dispose() {} };
  },
  log() {},
};
const originalRequire = Module.prototype.require;
Module.prototype.require = function require(id, ...rest) {
  return id === "@azure/functions-core" ? coreApi : originalRequire.call(this, id, ...rest);
};

const main = JSON.parse(readFileSync(join(appDir, "package.json"), "utf8")).main;
if (typeof main !== "string") throw new Error(`${appDir}/package.json has no main`);
const files = globSync(main, { cwd: appDir }).sort();
if (files.length === 0) throw new Error(`${appDir}: main ${main} matches no file`);
const started = performance.now();
for (const file of files) await import(pathToFileURL(join(appDir, file)).href);
const importMs = performance.now() - started;
process.stdout.write(`${JSON.stringify({ main, files, functions, hooks, importMs })}\n`);
