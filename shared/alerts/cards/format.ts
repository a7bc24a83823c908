/** Plain-text summaries of values and times for cards; callers escape the result. */

/** Characters of a summarised value: a card says what changed, the portal shows the value. */
const MAX_SUMMARY_CHARS = 80;

export function plural(count: number, noun: string, pluralNoun = `${noun}s`): string {
  return `${count} ${count === 1 ? noun : pluralNoun}`;
}

/**
 * A setting's value in a few words: empty as `none`, an array as a count named after its path
 * (`authorizedIPRanges` with 3 entries is `3 ranges`), scalars as they are, objects as compact JSON.
 */
export function summariseValue(path: string, value: unknown): string {
  if (value === undefined || value === null || value === "") return "none";
  if (Array.isArray(value)) return value.length === 0 ? "none" : plural(value.length, ...itemNoun(path));
  if (typeof value === "object") {
    if (Object.keys(value).length === 0) return "none";
    return clip(safeJson(value));
  }
  return clip(String(value));
}

/** `properties.apiServerAccessProfile.authorizedIPRanges` → [`range`, `ranges`]; `items` otherwise. */
function itemNoun(path: string): [string, string] {
  const lastSegment = path.split(".").pop()?.replace(/\[.*$/, "") ?? "";
  const lastWord = /[A-Z]?[a-z]+s$/.exec(lastSegment)?.[0].toLowerCase();
  if (!lastWord || lastWord.length < 3) return ["item", "items"];
  return [lastWord.slice(0, -1), lastWord];
}

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

function clip(text: string): string {
  const chars = Array.from(text);
  return chars.length <= MAX_SUMMARY_CHARS ? text : `${chars.slice(0, MAX_SUMMARY_CHARS - 1).join("")}…`;
}

/**
 * `14:02 UTC` when `iso` falls on the same UTC day as `reference`, else `2026-11-25 14:02 UTC`;
 * undefined when it is not a time.
 */
export function formatUtc(iso: string, reference?: string): string | undefined {
  const time = Date.parse(iso);
  if (Number.isNaN(time)) return undefined;
  const stamp = new Date(time).toISOString();
  const day = stamp.slice(0, 10);
  const clock = `${stamp.slice(11, 16)} UTC`;
  const referenceTime = reference === undefined ? Number.NaN : Date.parse(reference);
  const sameDay = !Number.isNaN(referenceTime) && new Date(referenceTime).toISOString().slice(0, 10) === day;
  return sameDay ? clock : `${day} ${clock}`;
}

/** `5 h`, `2 d 3 h`: how long something has waited. */
export function formatWait(hours: number): string {
  if (!Number.isFinite(hours) || hours < 0) return "unknown";
  const whole = Math.round(hours);
  if (whole < 48) return `${whole} h`;
  const days = Math.floor(whole / 24);
  const rest = whole % 24;
  return rest === 0 ? `${days} d` : `${days} d ${rest} h`;
}

/** A count that is a number a card can show (NaN and negatives from a broken row show as 0). */
export function count(value: number): number {
  return Number.isFinite(value) && value > 0 ? Math.floor(value) : 0;
}
