#!/usr/bin/env node
const [major, minor] = process.versions.node.split(".").map(Number);
if (major < 22 || (major === 22 && minor < 19)) {
  process.stderr.write(`aksmon needs Node.js 22.19 or later (this is ${process.version}); see the README's first lines\n`);
  process.exit(2);
}
const { main } = await import("../dist/shared/cli/main.js");
await main(process.argv);
