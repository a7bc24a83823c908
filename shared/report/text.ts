/**
 * Text from a cluster (names, tags, messages that quote values) on one line: control characters
 * (which include ESC, so no ANSI sequence gets through), line breaks and bidirectional overrides
 * become a single space.
 */
export function singleLine(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]+/g, " ");
}

/** Length in characters (code points), which is what a width is measured in here. */
export function charLength(text: string): number {
  let length = 0;
  for (const _ of text) length++;
  return length;
}

/** At most `max` characters; a cut text ends with an ellipsis. */
export function truncate(text: string, max: number): string {
  if (max <= 0) return "";
  const chars = Array.from(text);
  if (chars.length <= max) return text;
  return `${chars.slice(0, max - 1).join("")}…`;
}
