/**
 * The Adaptive Card schemas the tests hold cards to, and their validator (one Ajv set-up for every test
 * and local server that checks a card).
 *
 * The only schema file is the official 1.5 schema (`test/schemas/adaptive-card-1.5.0.json`, byte for byte).
 * The 1.4 schema, the one the cards declare (Teams Workflows renders only 1.4), is derived from it: the 1.5
 * schema marks what 1.5 added with `"version": "1.5"` (the definitions Table, TableCell, TableRow,
 * TableColumnDefinition, ActionMode and TextBlockStyle; the properties `rtl` and the actions' `tooltip`,
 * `isEnabled` and `mode`), and 1.4 is the 1.5 schema without them:
 * - every definition marked 1.5 goes, with every `anyOf` branch that refers to one (Table in the element lists);
 * - every property marked 1.5 goes, and every property whose only type was a removed definition (TextBlock
 *   `style`: TextBlockStyle or null), and the `{}` placeholders under which an element re-lists such a property
 *   it inherits (Action.OpenUrl's `tooltip`: the element has `additionalProperties: false`).
 * The strictness stays the schema's own: `additionalProperties: false` on every element now refuses the removed
 * properties. No `$ref` may point at a removed definition (the derivation throws).
 *
 * Beyond the schema, the validator refuses a card that declares a `version` above the schema's (a 1.5 card
 * checked against 1.4): the schema itself only says `version` is a string.
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import { Ajv, type ErrorObject, type ValidateFunction } from "ajv";
import ajvFormats from "ajv-formats";

export const ADAPTIVE_CARD_1_5_PATH = fileURLToPath(new URL("../schemas/adaptive-card-1.5.0.json", import.meta.url));

/** The versions the tests have a schema for. */
export type AdaptiveCardSchemaVersion = "1.4" | "1.5";

type Schema = Record<string, any>;

/** A schema file as Ajv 8 takes it: draft-06 names the schema `id`, Ajv knows only `$id` (renamed in memory, never in the file). */
export function readCardSchema(path: string = ADAPTIVE_CARD_1_5_PATH): Schema {
  const { id, ...rest } = JSON.parse(readFileSync(path, "utf8")) as Schema;
  return { ...rest, $id: typeof id === "string" ? id : "urn:adaptive-card" };
}

const schemas = new Map<AdaptiveCardSchemaVersion, Schema>();

/** The schema of a version: the file for 1.5, derived from it for 1.4. */
export function adaptiveCardSchema(version: AdaptiveCardSchemaVersion): Schema {
  let schema = schemas.get(version);
  if (!schema) {
    const file = readCardSchema();
    schema = version === "1.5" ? file : withoutVersion(file, "1.5");
    schemas.set(version, schema);
  }
  return schema;
}

/** The schema of the version before `version`: everything annotated `"version": version` taken out (see the top of this file). */
export function withoutVersion(schema: Schema, version: string): Schema {
  const out = structuredClone(schema) as Schema;
  const definitions = out.definitions as Record<string, Schema>;
  const removed = new Set(Object.keys(definitions).filter((name) => definitions[name]!.version === version));
  for (const name of removed) delete definitions[name];
  const refersToRemoved = (node: unknown): boolean => {
    if (typeof node !== "object" || node === null) return false;
    const { $ref, allOf } = node as Schema;
    if (typeof $ref === "string" && removed.has(definitionName($ref))) return true;
    return Array.isArray(allOf) && allOf.some(refersToRemoved);
  };
  // A property whose only type is a removed definition: `{ $ref }`, or `anyOf` of it and `null`.
  const onlyRemoved = (property: Schema): boolean =>
    refersToRemoved(property) ||
    (Array.isArray(property.anyOf) &&
      property.anyOf.some(refersToRemoved) &&
      property.anyOf.every((branch: Schema) => refersToRemoved(branch) || branch.type === "null"));

  const droppedProperties = new Map<string, Set<string>>();
  for (const [name, definition] of Object.entries(definitions)) {
    const properties = definition.properties as Record<string, Schema> | undefined;
    const dropped = new Set<string>();
    for (const [key, property] of Object.entries(properties ?? {})) {
      if (property.version === version || onlyRemoved(property)) dropped.add(key);
    }
    for (const key of dropped) delete properties![key];
    droppedProperties.set(name, dropped);
  }
  // Elements re-list what they inherit (through `allOf` refs) as `{}`, to pass `additionalProperties: false`.
  const inheritedDrops = (name: string, seen = new Set<string>()): Set<string> => {
    const found = new Set<string>();
    if (seen.has(name)) return found;
    seen.add(name);
    for (const parent of (definitions[name]?.allOf ?? []) as Schema[]) {
      if (typeof parent.$ref !== "string") continue;
      const parentName = definitionName(parent.$ref);
      for (const key of [...(droppedProperties.get(parentName) ?? []), ...inheritedDrops(parentName, seen)]) found.add(key);
    }
    return found;
  };
  for (const [name, definition] of Object.entries(definitions)) {
    const properties = definition.properties as Record<string, Schema> | undefined;
    if (!properties) continue;
    for (const key of inheritedDrops(name)) {
      if (properties[key] && Object.keys(properties[key]).length === 0) delete properties[key];
    }
  }
  // The unions (element, item and action lists) lose their branches for removed definitions.
  visit(out, (node) => {
    if (Array.isArray(node.anyOf)) node.anyOf = node.anyOf.filter((branch: unknown) => !refersToRemoved(branch));
  });
  visit(out, (node) => {
    if (typeof node.$ref === "string" && node.$ref.startsWith("#/definitions/") && !(definitionName(node.$ref) in definitions)) {
      throw new Error(`deriving the schema before ${version}: ${node.$ref} is still referenced`);
    }
  });
  return out;
}

function definitionName(ref: string): string {
  return ref.replace(/^#\/definitions\//, "").replace(/~1/g, "/").replace(/~0/g, "~");
}

function visit(node: unknown, each: (node: Schema) => void): void {
  if (Array.isArray(node)) for (const item of node) visit(item, each);
  else if (typeof node === "object" && node !== null) {
    each(node as Schema);
    for (const value of Object.values(node)) visit(value, each);
  }
}

/** The highest version a schema annotates anything with: 1.5 for the file, 1.4 for what is derived from it. */
export function schemaVersion(schema: Schema): string {
  let highest = "1.0";
  visit(schema, (node) => {
    if (typeof node.version === "string" && (compareVersions(node.version, highest) ?? 0) > 0) highest = node.version;
  });
  return highest;
}

/** -1, 0 or 1; undefined when either is not `major.minor`. */
function compareVersions(a: string, b: string): number | undefined {
  const parse = (text: string) => (/^\d+\.\d+$/.test(text) ? text.split(".").map(Number) : undefined);
  const [x, y] = [parse(a), parse(b)];
  if (!x || !y) return undefined;
  return Math.sign(x[0]! - y[0]! || x[1]! - y[1]!);
}

/** Validates a card: undefined when valid, else what is wrong, most specific first. */
export type CardValidator = (card: unknown) => string | undefined;

const validators = new Map<string, CardValidator>();

/**
 * The validator of a version's schema (default 1.4, what the cards declare), or of a schema file as it is;
 * compiled once per process (~100 ms).
 *
 * The schema lists every element type in `anyOf`s, so a bad element makes Ajv report the mismatch with
 * each of the ~30 types. The validator reports instead what is wrong with the element against its own
 * type's definition (`#/definitions/TextBlock`), recursively, and an unknown `type` as such.
 */
export function adaptiveCardValidator(source: AdaptiveCardSchemaVersion | { file: string } = "1.4"): CardValidator {
  const key = typeof source === "string" ? source : `file:${source.file}`;
  let validator = validators.get(key);
  if (!validator) {
    validator = compileValidator(typeof source === "string" ? adaptiveCardSchema(source) : readCardSchema(source.file));
    validators.set(key, validator);
  }
  return validator;
}

function compileValidator(schema: Schema): CardValidator {
  const require = createRequire(import.meta.url);
  // `strict: false`: the schema carries annotations Ajv does not know (`version`, `features`).
  const ajv = new Ajv({ strict: false, allErrors: true });
  // ajv-formats is CommonJS: under NodeNext its function is the module's `default`. The schema uses uri and uri-reference.
  ajvFormats.default(ajv);
  ajv.addMetaSchema(require("ajv/dist/refs/json-schema-draft-06.json"));
  ajv.addSchema(schema);
  const schemaId = schema.$id as string;
  const whole = ajv.getSchema(schemaId)!;
  const highest = schemaVersion(schema);
  const definitions = (schema.definitions ?? {}) as Record<string, unknown>;
  const definition = (name: string): ValidateFunction | undefined =>
    Object.hasOwn(definitions, name) ? ajv.getSchema(`${schemaId}#/definitions/${name.replace(/~/g, "~0").replace(/\//g, "~1")}`) : undefined;
  return (card) => {
    const declared = (card as { version?: unknown } | null)?.version;
    const problems: string[] = [];
    if (typeof declared === "string" && (compareVersions(declared, highest) ?? 1) > 0) {
      problems.push(`/version ${JSON.stringify(declared)} is not a version of this schema (${highest} or lower)`);
    }
    if (!whole(card)) {
      const explained = explain(card, definition("AdaptiveCard") ?? whole, "", definition);
      problems.push(...(explained.length ? explained : lines(whole.errors, "")));
    }
    return problems.length ? `the card does not match the Adaptive Card ${highest} schema: ${summarise(problems)}` : undefined;
  };
}

/** What is wrong with `value` against `validate`, descending into typed elements (objects with a `type` that names a definition). */
function explain(
  value: unknown,
  validate: ValidateFunction,
  base: string,
  definition: (name: string) => ValidateFunction | undefined,
): string[] {
  if (validate(value)) return [];
  const errors = [...(validate.errors ?? [])];
  const own: ErrorObject[] = [];
  const children = new Map<string, { value: Record<string, unknown>; type: string }>();
  for (const error of errors) {
    // The nearest typed element below `value` that holds the error, if any.
    let path = error.instancePath;
    for (; path; path = path.slice(0, path.lastIndexOf("/"))) {
      const element = pointer(value, path);
      if (typeof element === "object" && element !== null && typeof (element as { type?: unknown }).type === "string") {
        children.set(path, { value: element as Record<string, unknown>, type: (element as { type: string }).type });
        break;
      }
    }
    if (!path) own.push(error);
  }
  const out = lines(own.filter((error) => !["anyOf", "allOf", "oneOf"].includes(error.keyword) || own.length === 1), base);
  for (const [path, child] of children) {
    const childValidate = definition(child.type);
    if (!childValidate) out.push(`${base}${path}/type: unknown element type ${JSON.stringify(child.type)}`);
    else out.push(...explain(child.value, childValidate, `${base}${path}`, definition));
  }
  return out;
}

function lines(errors: ErrorObject[] | null | undefined, base: string): string[] {
  return (errors ?? []).map((error) => `${base}${error.instancePath || (base ? "" : "/")} ${error.message ?? error.keyword}${paramsOf(error)}`);
}

function summarise(problems: string[], max = 8): string {
  const unique = [...new Set(problems)];
  return unique.slice(0, max).join("; ") + (unique.length > max ? `; +${unique.length - max} more` : "");
}

function pointer(value: unknown, path: string): unknown {
  let current = value;
  for (const part of path.split("/").slice(1)) {
    if (typeof current !== "object" || current === null) return undefined;
    current = (current as Record<string, unknown>)[part.replace(/~1/g, "/").replace(/~0/g, "~")];
  }
  return current;
}

function paramsOf(error: ErrorObject): string {
  const params = error.params as Record<string, unknown>;
  if (error.keyword === "additionalProperties") return ` (${String(params.additionalProperty)})`;
  if (error.keyword === "enum") return ` (${(params.allowedValues as unknown[]).join(", ")})`;
  return "";
}
