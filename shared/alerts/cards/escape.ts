import { truncate } from "../../report/text.js";

/**
 * Text that is safe to put in a TextBlock or a Fact (both render a Markdown subset in Teams).
 * Only this module creates one: user-controlled strings become Markdown through `escapeText` or as
 * values of the `md` template, and the card builders accept nothing else, so the type checker proves
 * that no raw string reaches the card's text.
 */
export class Markdown {
  readonly text: string;

  constructor(token: typeof MINT, text: string) {
    if (token !== MINT) throw new Error("Markdown is created by escapeText or md only");
    this.text = text;
  }

  toString(): string {
    return this.text;
  }
}

const MINT = Symbol("markdown");

/** Longest user value shown, in characters (before escaping): a field, not a wall of text. */
export const MAX_VALUE_CHARS = 300;

/** C0/C1 controls, line and paragraph separators: they would start new Markdown blocks. */
const BREAKS = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g;
/**
 * Invisible format characters: bidirectional overrides and isolates (which can make a name read
 * backwards), zero-width spaces and joiners used to hide a marker, the BOM, interlinear annotations.
 * The emoji joiner U+200D stays.
 */
const INVISIBLE = /[\u00ad\u061c\u180e\u200b\u200c\u200e\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff\ufff9-\ufffb]/g;
/**
 * What the Adaptive Cards / Teams Markdown subset (CommonMark inline rules) could read as markup:
 * emphasis `* _ ~`, links and images `[ ] ( )`, headings `#`, quotes `>`, HTML and `<at>` mentions
 * `< >`, code `` ` ``, table cells `|`, entity references `&` (so `&lt;at&gt;` stays literal), the
 * `{{DATE()}}`/`{{TIME()}}` functions `{ }`, and the backslash itself.
 */
const MARKUP = /[\\*_~[\]()#><`|{}&]/g;

/**
 * The one escaping function for user-controlled text: cluster, resource group and pool names, tags,
 * event text, evidence values, messages that quote values, actor names.
 *
 * On one line (line breaks and controls become a space, invisible format characters are dropped,
 * whitespace collapses), at most `maxChars` characters (an ellipsis marks a cut), and every markup
 * character backslash-escaped (CommonMark: a backslash before ASCII punctuation shows that character).
 * Bare URLs are broken (`\://`, `www\.`) so that a client that links them does not.
 */
export function escapeText(value: unknown, maxChars: number = MAX_VALUE_CHARS): Markdown {
  const oneLine = asText(value).replace(BREAKS, " ").replace(INVISIBLE, "").replace(/\s+/g, " ").trim();
  const escaped = truncate(oneLine, maxChars)
    .replace(MARKUP, "\\$&")
    .replace(/:(?=\/\/)/g, "\\:")
    .replace(/\b(www)\./gi, "$1\\.")
    // A list marker at the start (`*` and `1)` are escaped by MARKUP already).
    .replace(/^[-+]/, "\\$&")
    .replace(/^(\d{1,9})\.(?=\s|$)/, "$1\\.");
  return new Markdown(MINT, escaped);
}

function asText(value: unknown): string {
  if (typeof value === "string") return value;
  if (value === undefined) return "";
  if (typeof value === "number" || typeof value === "boolean" || typeof value === "bigint") return String(value);
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

/**
 * Markdown from code: the template's literal parts are trusted (they are written here), every
 * interpolated value that is not already Markdown goes through `escapeText`.
 */
export function md(literals: TemplateStringsArray, ...values: ReadonlyArray<Markdown | string | number>): Markdown {
  let text = literals[0] ?? "";
  values.forEach((value, index) => {
    text += (value instanceof Markdown ? value.text : escapeText(value).text) + (literals[index + 1] ?? "");
  });
  return new Markdown(MINT, text);
}

export function joinMarkdown(parts: readonly Markdown[], separator: Markdown = md`, `): Markdown {
  return new Markdown(MINT, parts.map((part) => part.text).join(separator.text));
}

/** Bold, unless there is nothing to embolden (`****` would show as four asterisks). */
export function bold(value: Markdown | string): Markdown {
  const inner = value instanceof Markdown ? value : escapeText(value);
  return inner.text === "" ? inner : md`**${inner}**`;
}
