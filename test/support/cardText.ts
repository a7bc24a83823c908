/** Reading Adaptive Cards in tests: every card within a card, the texts a client renders as Markdown, and what markup they would show. */
type Json = Record<string, any>;

/** A card and the cards of its ShowCard actions, however deep. */
export function allCards(card: Json): Json[] {
  const nested = [...(card.actions ?? []), ...elements(card.body ?? []).flatMap((element) => element.actions ?? [])]
    .filter((action: Json) => action.type === "Action.ShowCard")
    .flatMap((action: Json) => allCards(action.card));
  return [card, ...nested];
}

/** Elements with those of their Containers and ColumnSets. */
export function elements(items: Json[]): Json[] {
  return items.flatMap((item) => [item, ...elements(item.items ?? []), ...elements((item.columns ?? []).flatMap((column: Json) => column.items ?? []))]);
}

/** Everything a client renders as Markdown: TextBlock texts, fact titles and values, fallback text. */
export function markdownTexts(card: object): string[] {
  return allCards(card as Json).flatMap((each) => [
    ...(each.fallbackText !== undefined ? [each.fallbackText as string] : []),
    ...elements(each.body ?? []).flatMap((element) => {
      if (element.type === "TextBlock") return [element.text as string];
      if (element.type === "FactSet") return (element.facts as Json[]).flatMap((fact) => [fact.title as string, fact.value as string]);
      return [];
    }),
  ]);
}

/**
 * The markup a text would show, once its backslash escapes are taken out. The card code itself only
 * writes `**bold**`, parentheses, `+N more` and plain words; anything else came from user input unescaped.
 */
export function injectedMarkup(text: string): string[] {
  const problems: string[] = [];
  if (/[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069\u200b\u200e\u200f\ufeff]/.test(text)) {
    problems.push("a line break, control or invisible format character");
  }
  // An escaped character is a literal: a letter stands in for it (it still counts as text before a marker).
  const unescaped = text.replace(/\\[\s\S]/g, "x");
  const stray = unescaped.match(/[[\]<>`{}|~#&_\\]/g);
  if (stray) problems.push(`unescaped ${[...new Set(stray)].join(" ")}`);
  if (unescaped.includes("](")) problems.push("link syntax");
  if (unescaped.includes("://") || /www\./i.test(unescaped)) problems.push("a bare URL");
  if (/^\s*([-+*]|\d{1,9}[.)])(\s|$)/.test(unescaped)) problems.push("a list marker at the start");
  const bolds = unescaped.match(/\*\*/g)?.length ?? 0;
  if (bolds % 2 !== 0 || unescaped.replace(/\*\*/g, "").includes("*")) problems.push("unbalanced emphasis");
  return problems;
}
