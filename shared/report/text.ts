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

/** Word-wraps text to lines of at most `width` characters; a word longer than the width is broken. */
export function wrap(text: string, width: number): string[] {
  const room = Math.max(1, width);
  const lines: string[] = [];
  let current = "";
  for (const word of text.split(/\s+/).filter(Boolean)) {
    let rest = word;
    while (charLength(rest) > room) {
      if (current) lines.push(current);
      const chars = Array.from(rest);
      lines.push(chars.slice(0, room).join(""));
      rest = chars.slice(room).join("");
      current = "";
    }
    if (!current) current = rest;
    else if (charLength(current) + 1 + charLength(rest) <= room) current = `${current} ${rest}`;
    else {
      lines.push(current);
      current = rest;
    }
  }
  if (current) lines.push(current);
  return lines;
}
