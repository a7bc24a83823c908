import { teamsMessage, type AdaptiveCard, type TeamsMessage } from "./adaptiveCard.js";

/**
 * Teams refuses messages over 28 KB (some paths behave like less); a card stays under this many
 * bytes of UTF-8, measured on the whole message as posted.
 */
export const MAX_MESSAGE_BYTES = 20_000;

/** How much a card builder may show; the size ladder lowers it step by step. */
export interface Detail {
  /** Changed settings and evidence rows under each item. */
  evidence: boolean;
  /** Fix commands. */
  fixes: boolean;
  /** Items in the card's body. */
  items: number;
  /** Items in the "Show all" card. */
  moreItems: number;
}

export const FULL_DETAIL: Detail = { evidence: true, fixes: true, items: 10, moreItems: 40 };

/**
 * The steps from the full card down: a shorter hidden list first (it is read least), then no
 * evidence, no fix commands, then fewer hidden items, fewer items, none. A card with no items left is
 * small by construction (every value in it is capped in length).
 */
export function detailLadder(full: Detail = FULL_DETAIL): Detail[] {
  const shorter = { ...full, moreItems: Math.min(full.moreItems, full.items) };
  const ladder: Detail[] = [full, shorter, { ...shorter, evidence: false }, { ...shorter, evidence: false, fixes: false }];
  const last = ladder[ladder.length - 1]!;
  for (let more = halve(last.moreItems); ; more = halve(more)) {
    ladder.push({ ...last, moreItems: more });
    if (more === 0) break;
  }
  for (let items = halve(last.items); ; items = halve(items)) {
    ladder.push({ ...last, items, moreItems: 0 });
    if (items === 0) break;
  }
  return ladder;
}

function halve(count: number): number {
  return count <= 1 ? 0 : Math.floor(count / 2);
}

export function messageBytes(message: TeamsMessage): number {
  return Buffer.byteLength(JSON.stringify(message), "utf8");
}

export interface FittedCard {
  card: AdaptiveCard;
  bytes: number;
  detail: Detail;
}

/**
 * The most detailed card under the limit: drops evidence, then fix commands, then items (the builder
 * says "+N more" for what it leaves out). Never fails: past the last step it returns `fallback`.
 */
export function fitCard(
  build: (detail: Detail) => AdaptiveCard,
  fallback: () => AdaptiveCard,
  limit: number = MAX_MESSAGE_BYTES,
): FittedCard {
  const ladder = detailLadder();
  for (const detail of ladder) {
    const card = build(detail);
    const bytes = messageBytes(teamsMessage(card));
    if (bytes <= limit) return { card, bytes, detail };
  }
  const card = fallback();
  return { card, bytes: messageBytes(teamsMessage(card)), detail: { ...ladder[ladder.length - 1]! } };
}
