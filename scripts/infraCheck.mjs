#!/usr/bin/env node
// npm run infra:check: compiles and lints the Bicep in infra/ with the real Bicep CLI.
//
// - The CLI comes from NuGet (the package Azure.Bicep.CommandLine.<rid>, pinned below), restored once
//   through the machine's `dotnet` and its configured feed into .tools/bicep/<version>/; later runs
//   reuse it and touch no network.
// - `bicep build` writes the ARM JSON of infra/main.bicep and of every module in infra/app/ to
//   dist/infra/ (test/infra.test.ts reads it); `bicep lint` applies infra/bicepconfig.json, where every
//   linter rule is an error. Any diagnostic fails the check, compiler warnings included.
// - main.parameters.json may only name parameters main.bicep declares, and must name every one that
//   has no default.
// Exits 1 with a one-line reason on the first failure.
import { spawn } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const BICEP_VERSION = "0.49.2";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const infra = join(root, "infra");
const out = join(root, "dist", "infra");
const os = { linux: "linux", darwin: "osx", win32: "win" }[process.platform] ?? process.platform;
const rid = `${os}-${process.arch}`;
const packageId = `Azure.Bicep.CommandLine.${rid}`;
const cache = join(root, ".tools", "bicep", BICEP_VERSION);
const bicep = join(cache, "packages", packageId.toLowerCase(), BICEP_VERSION, "tools", os === "win" ? "bicep.exe" : "bicep");
const started = Date.now();

function fail(reason, details = "") {
  if (details.trim()) console.error(details.trimEnd());
  console.error(`infra:check: ${reason}`);
  process.exit(1);
}

/** Runs a command to completion: { code, output } (stdout and stderr together), or { error } if it cannot start. */
function run(command, args) {
  return new Promise((resolve) => {
    const env = { ...process.env, DOTNET_NOLOGO: "1", DOTNET_CLI_TELEMETRY_OPTOUT: "1" };
    const child = spawn(command, args, { cwd: root, env });
    let output = "";
    child.stdout.on("data", (chunk) => (output += chunk));
    child.stderr.on("data", (chunk) => (output += chunk));
    child.on("error", (error) => resolve({ error }));
    child.on("close", (code) => resolve({ code, output }));
  });
}

/** First run: a throw-away project whose only job is to make `dotnet restore` download the CLI package. */
async function restoreBicep() {
  const sdk = await run("dotnet", ["--version"]);
  if (sdk.error) fail(`dotnet not found (${sdk.error.code}): install the .NET SDK, the Bicep CLI is restored from NuGet through it`);
  if (sdk.code !== 0) fail("`dotnet --version` failed: no usable .NET SDK", sdk.output);
  const framework = `net${sdk.output.trim().split(".")[0]}.0`;
  const project = join(cache, "restore");
  mkdirSync(project, { recursive: true });
  writeFileSync(
    join(project, "bicep.csproj"),
    `<Project Sdk="Microsoft.NET.Sdk">
  <PropertyGroup><TargetFramework>${framework}</TargetFramework></PropertyGroup>
  <ItemGroup><PackageDownload Include="${packageId}" Version="[${BICEP_VERSION}]" /></ItemGroup>
</Project>
`,
  );
  console.log(`infra:check: restoring ${packageId} ${BICEP_VERSION} from NuGet into ${join(".tools", "bicep", BICEP_VERSION)}`);
  const restore = await run("dotnet", ["restore", join(project, "bicep.csproj"), "--packages", join(cache, "packages")]);
  if (restore.code !== 0 || !existsSync(bicep)) fail(`dotnet restore of ${packageId} ${BICEP_VERSION} failed: see the NuGet output above`, restore.output);
  // The package's copy of itself is not needed once it is extracted (it is as large as the CLI).
  rmSync(join(dirname(dirname(bicep)), `${packageId.toLowerCase()}.${BICEP_VERSION}.nupkg`), { force: true });
  chmodSync(bicep, 0o755);
}

/** Diagnostics lines of the CLI ("file(line,col) : Error|Warning|Info CODE: message"). */
const diagnostics = (output) => output.split("\n").filter((line) => /\) : (Error|Warning|Info) /.test(line));

// 1. The CLI; 2. build and lint. The three CLI processes run side by side (each start costs a second).
if (!existsSync(bicep)) await restoreBicep();
rmSync(out, { recursive: true, force: true });
const pattern = "infra/**/*.bicep";
const [version, build, lint] = await Promise.all([
  run(bicep, ["--version"]),
  run(bicep, ["build", "--pattern", pattern, "--outdir", out]),
  run(bicep, ["lint", "--pattern", pattern]),
]);
if (version.error || version.code !== 0 || !version.output.includes(BICEP_VERSION)) {
  fail(`${bicep} does not run as Bicep CLI ${BICEP_VERSION}: delete .tools/bicep and run again`, version.output ?? String(version.error));
}
console.log(`infra:check: ${version.output.trim()}`);
const buildFindings = diagnostics(build.output);
if (build.code !== 0 || buildFindings.length > 0) {
  fail(`bicep build failed with ${buildFindings.length} diagnostic(s)`, build.output);
}
const lintFindings = diagnostics(lint.output);
if (lint.code !== 0 || lintFindings.length > 0) {
  fail(`bicep lint failed with ${lintFindings.length} diagnostic(s) (infra/bicepconfig.json makes every rule an error)`, lint.output);
}
const sources = readdirSync(infra, { recursive: true }).filter((name) => String(name).endsWith(".bicep"));
const built = readdirSync(out, { recursive: true }).filter((name) => String(name).endsWith(".json"));
if (built.length !== sources.length) fail(`bicep build wrote ${built.length} templates for ${sources.length} Bicep files`, build.output);

// 3. main.parameters.json against the compiled main template.
const template = JSON.parse(readFileSync(join(out, "main.json"), "utf8"));
const parametersFile = join(infra, "main.parameters.json");
let mapped;
try {
  mapped = Object.keys(JSON.parse(readFileSync(parametersFile, "utf8")).parameters ?? {});
} catch (error) {
  fail(`infra/main.parameters.json is not valid JSON: ${error.message}`);
}
const declared = Object.entries(template.parameters ?? {});
const unknown = mapped.filter((name) => !declared.some(([declaredName]) => declaredName === name));
if (unknown.length) fail(`infra/main.parameters.json names parameters main.bicep does not declare: ${unknown.join(", ")}`);
const required = declared.filter(([, p]) => !("defaultValue" in p) && !p.nullable).map(([name]) => name);
const missing = required.filter((name) => !mapped.includes(name));
if (missing.length) fail(`infra/main.parameters.json does not set required parameters of main.bicep: ${missing.join(", ")}`);

const seconds = ((Date.now() - started) / 1000).toFixed(1);
console.log(`infra:check: ok: ${built.length} templates in dist/infra, lint clean, ${mapped.length} parameters mapped (${seconds} s)`);
