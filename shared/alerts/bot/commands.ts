/**
 * The bot's text commands: `status <cluster>`, `recheck <cluster>`, `unsnooze <cluster> <check>`, `help`. Teams has already taken the
 * bot's @mention out of the text (teams-ai's `removeRecipientMention`); what is left may still carry
 * HTML entities, non-breaking spaces and a leading slash.
 */
export type Command =
  | { kind: "status"; cluster: string }
  | { kind: "recheck"; cluster: string }
  | { kind: "unsnooze"; cluster: string; check: string }
  | { kind: "help" }
  /** A command without its cluster: `status`. */
  | { kind: "missingCluster"; command: "status" | "recheck" | "unsnooze" }
  | { kind: "unknown"; text: string };

/** Longest text read as a command; a longer message is not one. */
const MAX_COMMAND_CHARS = 1_000;

export function parseCommand(raw: string | undefined): Command {
  const text = normaliseText(raw ?? "");
  if (text.length > MAX_COMMAND_CHARS) return { kind: "unknown", text: text.slice(0, 100) };
  const [word = "", ...rest] = text.split(" ");
  const verb = word.replace(/^\//, "").toLowerCase();
  const argument = rest.join(" ").trim();
  switch (verb) {
    case "":
    case "help":
    case "?":
      return { kind: "help" };
    case "status":
    case "recheck":
      return argument ? { kind: verb, cluster: argument } : { kind: "missingCluster", command: verb };
    case "unsnooze": {
      // Cluster names and ids hold no spaces: the last word is the check.
      const words = argument.split(" ").filter(Boolean);
      if (words.length < 2) return { kind: "missingCluster", command: verb };
      return { kind: "unsnooze", cluster: words.slice(0, -1).join(" "), check: words[words.length - 1]!.toLowerCase() };
    }
    default:
      return { kind: "unknown", text };
  }
}

const ENTITIES: Record<string, string> = { nbsp: " ", amp: "&", lt: "<", gt: ">", quot: '"', apos: "'", "#39": "'" };

/** One line of plain text: entities decoded, any leftover `<at>` tags and markup of the client removed, whitespace collapsed. */
export function normaliseText(text: string): string {
  return text
    .replace(/<at>[^<]*<\/at>/gi, " ")
    .replace(/<\/?(p|div|span|br)\b[^>]*>/gi, " ")
    .replace(/&(nbsp|amp|lt|gt|quot|apos|#39);/gi, (_, name: string) => ENTITIES[name.toLowerCase()] ?? " ")
    .replace(/[\s\u00a0\u200b]+/g, " ")
    .trim();
}
