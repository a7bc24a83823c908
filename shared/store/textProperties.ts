import { createHash } from "node:crypto";
import type { Row } from "./tables.js";

/**
 * Table Storage limits a string property to 64 KiB of UTF-16 (32,768 code units: JavaScript's
 * `length`), an entity to 1 MiB and 255 properties, and a transaction body to 4 MiB.
 */
export const MAX_STRING_PROPERTY = 32_000;
/** A JSON document split over properties `name`, `name_1`, ...: at most 15 of them (~900 KB). */
const MAX_CHUNKS = 15;

/** Cuts a string to `max` code units without splitting a surrogate pair, marking the cut. */
export function truncateText(text: string, max: number): string {
  if (text.length <= max) return text;
  let end = Math.max(0, max - 1);
  const last = text.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) end -= 1;
  return `${text.slice(0, end)}…`;
}

export function sha256Prefix(text: string): string {
  return createHash("sha256").update(text).digest("hex").slice(0, 16);
}

/** Writes a JSON document into as many string properties as it needs. */
export function jsonProperties(name: string, value: unknown): Row {
  const json = JSON.stringify(value) ?? "null";
  const chunks: string[] = [];
  for (let start = 0; start < json.length; ) {
    let end = Math.min(json.length, start + MAX_STRING_PROPERTY);
    const last = json.charCodeAt(end - 1);
    if (end < json.length && last >= 0xd800 && last <= 0xdbff) end -= 1;
    chunks.push(json.slice(start, end));
    start = end;
  }
  if (chunks.length > MAX_CHUNKS) {
    throw new RangeError(`${name} is too large to store (${json.length} characters of JSON; at most ${MAX_CHUNKS * MAX_STRING_PROPERTY})`);
  }
  const row: Row = { [name]: chunks[0] ?? "null" };
  chunks.slice(1).forEach((chunk, index) => {
    row[`${name}_${index + 1}`] = chunk;
  });
  if (chunks.length > 1) row[`${name}_chunks`] = chunks.length;
  return row;
}

export function readJsonProperties(row: Row, name: string): unknown {
  const count = typeof row[`${name}_chunks`] === "number" ? (row[`${name}_chunks`] as number) : 1;
  let json = String(row[name] ?? "null");
  for (let index = 1; index < count; index++) json += String(row[`${name}_${index}`] ?? "");
  return JSON.parse(json);
}

export function optionalString(row: Row, name: string): string | undefined {
  const value = row[name];
  return typeof value === "string" && value !== "" ? value : undefined;
}

/** Drops undefined properties (the SDK would send them as nulls). */
export function defined(row: Row): Row {
  return Object.fromEntries(Object.entries(row).filter(([, value]) => value !== undefined));
}
