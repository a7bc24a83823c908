/** `npm run docs`: writes docs/checks.md from the catalogue. */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { catalogueMarkdown } from "../report/catalogueMarkdown.js";

const root = join(import.meta.dirname, "..", "..", "..");
mkdirSync(join(root, "docs"), { recursive: true });
writeFileSync(join(root, "docs", "checks.md"), catalogueMarkdown());
