import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { builtinModules } from "node:module";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";

/*
 * The deployment package as azd uploads it: built by scripts/package.mjs (the script of azure.yaml's
 * prepackage hook) into dist/package, then imported in a fresh process the way the Functions host's Node
 * worker does (scripts/functionsHost.mjs answers require("@azure/functions-core") and imports every file
 * that the package's `main` matches).
 */

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const packageDir = join(root, "dist", "package");
const rootPackage = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as {
  dependencies: Record<string, string>;
};

const lock = JSON.parse(readFileSync(join(root, "package-lock.json"), "utf8")) as {
  packages: Record<string, { dev?: boolean; optional?: boolean; devOptional?: boolean }>;
};

interface Listing {
  main: string;
  files: string[];
  functions: { name: string; trigger: string; bindings: string[] }[];
  hooks: string[];
}
interface Metafile {
  inputs: Record<string, unknown>;
  outputs: Record<string, { entryPoint?: string; imports: { path: string; kind: string; external?: boolean }[]; inputs: Record<string, unknown> }>;
}

let listing: Listing;
let files: string[];
let meta: Metafile;

const filesUnder = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((entry) => (entry.isDirectory() ? filesUnder(join(dir, entry.name)).map((f) => `${entry.name}/${f}`) : [entry.name]));
const packageOf = (input: string): string | undefined => /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(input)?.[1];

beforeAll(() => {
  execFileSync(process.execPath, [join(root, "scripts", "package.mjs")], { stdio: "pipe" });
  listing = JSON.parse(execFileSync(process.execPath, [join(root, "scripts", "functionsHost.mjs"), packageDir], { encoding: "utf8" })) as Listing;
  files = filesUnder(packageDir).sort();
  meta = JSON.parse(readFileSync(join(root, "dist", "package.meta.json"), "utf8")) as Metafile;
}, 120_000);

describe("deployment package", () => {
  it("registers every function with the host, from a fresh process, with its trigger", () => {
    expect(listing.functions.map((f) => [f.name, f.trigger])).toEqual([
      ["alertDelivery", "timerTrigger"],
      ["clusterEvents", "eventGridTrigger"],
      ["clusters", "httpTrigger"],
      ["cluster", "httpTrigger"],
      ["dashboard", "httpTrigger"],
      ["evaluateCluster", "queueTrigger"],
      ["health", "httpTrigger"],
      ["nightlySweep", "timerTrigger"],
      ["poisonEvaluations", "queueTrigger"],
      ["recheck", "httpTrigger"],
      ["retention", "timerTrigger"],
      ["sweepDeadline", "timerTrigger"],
      ["teamsMessages", "httpTrigger"],
    ]);
    expect(listing.functions.find((f) => f.name === "nightlySweep")?.bindings).toContain("out queue");
    // The app-wide invocation hooks (correlation ids in every log line) come with it.
    expect(listing.hooks).toEqual(["preInvocation", "postInvocation"]);
  });

  it("is the bundle, host.json and a package.json without dependencies: no node_modules, no source maps", () => {
    expect(files.filter((f) => !/^functions\/(chunks\/)?[\w-]+\.js$/.test(f))).toEqual(["host.json", "package.json"]);
    expect(listing.files).toEqual(readdirSync(join(root, "functions")).filter((f) => f.endsWith(".ts")).map((f) => `functions/${f.replace(/\.ts$/, ".js")}`).sort());
    const deployed = JSON.parse(readFileSync(join(packageDir, "package.json"), "utf8")) as Record<string, unknown>;
    expect(deployed).toMatchObject({ type: "module", main: "functions/*.js" });
    for (const key of ["dependencies", "devDependencies", "optionalDependencies", "scripts"]) expect(deployed, key).not.toHaveProperty(key);
    expect(readFileSync(join(packageDir, "host.json"), "utf8")).toBe(readFileSync(join(root, "host.json"), "utf8"));
  });

  it("holds no azurite and no development-only package, inlined or required at run time", () => {
    // Each inlined package by where it is installed (node_modules/a/node_modules/b), classified by the lockfile:
    // npm marks what only development or the optional azurite needs with dev, optional or devOptional.
    const installed = new Set(Object.keys(meta.inputs).map((input) => /^(.*node_modules\/(?:@[^/]+\/)?[^/]+)\//.exec(input)?.[1]).filter((p): p is string => p !== undefined));
    expect(installed.size).toBeGreaterThan(20);
    const devOnly = (key: string) => {
      const entry = lock.packages[key];
      if (!entry) throw new Error(`${key} is inlined but not in package-lock.json`);
      return entry.dev === true || entry.optional === true || entry.devOptional === true;
    };
    expect(lock.packages["node_modules/azurite"]).toMatchObject({ optional: true });
    expect(Object.keys(rootPackage.dependencies)).not.toContain("azurite");
    expect([...installed].filter(devOnly)).toEqual([]);
    // No source of the tests or benchmarks either.
    expect(Object.keys(meta.inputs).filter((input) => /^(test|bench)\//.test(input))).toEqual([]);
    // A require() of azurite (the embedded emulator uses createRequire, which esbuild leaves alone) would only fail once called.
    for (const file of files.filter((f) => f.endsWith(".js"))) {
      const text = readFileSync(join(packageDir, file), "utf8");
      // Any string naming the module or a file in it (esbuild renames a local `require` to require2 and such).
      expect(text.match(/["'](?:azurite|vitest|playwright-core|@sparticuz\/chromium|fast-check)(?:\/[^"']*)?["']/g), file).toBeNull();
    }
  });

  it("leaves outside the bundle only what the host provides", () => {
    const builtin = new Set(builtinModules);
    const external = new Set(
      Object.values(meta.outputs).flatMap((output) => output.imports.filter((i) => i.external && !i.path.startsWith("node:") && !builtin.has(i.path)).map((i) => i.path)),
    );
    // ws (bufferutil, utf-8-validate) and node-fetch (encoding) try these optional packages inside a
    // try/catch; they are not installed here either, so every test ran without them, as production does.
    const optionalAbsent = ["bufferutil", "encoding", "utf-8-validate"];
    for (const name of optionalAbsent) expect(lock.packages[`node_modules/${name}`], name).toBeUndefined();
    expect([...external].sort()).toEqual(["@azure/functions-core", ...optionalAbsent]);
  });

  it("keeps the bot stack and the node reader out of what the host imports at start (lazy chunks)", () => {
    const eager = new Set<string>();
    const visit = (path: string) => {
      if (eager.has(path)) return;
      eager.add(path);
      for (const i of meta.outputs[path]?.imports ?? []) if (i.kind === "import-statement" && !i.external) visit(i.path);
    };
    // What the host imports: the files `main` matches (esbuild marks dynamic-import targets as entry points too).
    for (const file of listing.files) visit(`dist/package/${file}`);
    expect(eager.size).toBeGreaterThan(listing.files.length);
    const eagerPackages = new Set([...eager].flatMap((path) => Object.keys(meta.outputs[path]!.inputs).map(packageOf)));
    for (const lazy of ["@microsoft/teams-ai", "botbuilder", "@kubernetes/client-node"]) expect(eagerPackages.has(lazy), lazy).toBe(false);
    expect(eagerPackages.has("@azure/functions")).toBe(true);
  });
});
