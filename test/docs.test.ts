import { readFileSync } from "node:fs";
import { join } from "node:path";
import { expect, it } from "vitest";
import { catalogueMarkdown } from "../shared/report/catalogueMarkdown.js";

it("docs/checks.md is generated from the current catalogue (run `npm run docs` after changing a check)", () => {
  expect(readFileSync(join(import.meta.dirname, "..", "docs", "checks.md"), "utf8")).toBe(catalogueMarkdown());
});
