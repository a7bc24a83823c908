/**
 * What the pipeline tests (test/pipeline.test.ts) and the latency benchmark share: a virtual clock, a
 * pacer that keeps Teams' windows without sleeping, the webhook channel to the local receiver, the
 * visible text of a received card, a renamed copy of a cluster body, and `intercept`, which puts a hook
 * in front of one method of a real object (a barrier before the real store's commit, a failure injected
 * into it) without replacing anything else.
 */
import { Pacer, TEAMS_WEBHOOK_WINDOWS, type PacerClock, type RateWindow } from "../../shared/alerts/pacer.js";
import type { DeliveryChannel } from "../../shared/alerts/delivery.js";
import { postToWebhook } from "../../shared/alerts/webhook.js";
import type { Json } from "./clusters.js";

/** A clock that moves only when told to: the pipeline's `now` and the delivery loop's `now()`. */
export class VirtualClock {
  constructor(public at: number) {}

  now = (): Date => new Date(this.at);

  iso(): string {
    return new Date(this.at).toISOString();
  }

  advance(ms: number): Date {
    this.at += ms;
    return this.now();
  }
}

/**
 * A pacer on its own fake clock: it reserves slots exactly as in production (Teams' 4/s and 60/30 s
 * unless told otherwise) and honours `pause`, but its sleeps return at once, advancing the fake clock.
 * `slept()` is the total time it would have waited. `onSleep` runs inside each sleep (to move a virtual
 * clock by the same time, or to let something else happen meanwhile).
 */
export function instantPacer(
  windows: readonly RateWindow[] = TEAMS_WEBHOOK_WINDOWS,
  onSleep?: (ms: number) => Promise<void> | void,
): Pacer & { slept(): number } {
  let now = 0;
  let slept = 0;
  const clock: PacerClock = {
    now: () => now,
    sleep: async (ms) => {
      now += Math.max(0, ms);
      slept += Math.max(0, ms);
      if (ms > 0) await onSleep?.(ms);
    },
  };
  return Object.assign(new Pacer({ windows, clock }), { slept: () => slept });
}

/** The Workflows webhook channel as the product builds it, posting to `url` (the local receiver). */
export function webhookChannel(url: string, timeoutMs = 2_000): DeliveryChannel {
  return { key: "teams-test", flavour: "webhook", send: (message) => postToWebhook(url, message, { timeoutMs }) };
}

/**
 * The visible text of a card, sub-cards (Show all findings) included: every TextBlock, fact and the
 * fallback text, with the Markdown escapes and bold markers taken out, so that tests read what a person reads.
 */
export function cardTexts(card: unknown): string[] {
  const texts: string[] = [];
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) {
      for (const item of node) visit(item);
      return;
    }
    if (!node || typeof node !== "object") return;
    const element = node as Record<string, unknown>;
    if (typeof element.fallbackText === "string") texts.push(plain(element.fallbackText));
    if (element.type === "TextBlock" && typeof element.text === "string") texts.push(plain(element.text));
    if (element.type === "FactSet" && Array.isArray(element.facts)) {
      for (const fact of element.facts as Array<{ title: string; value: string }>) texts.push(`${plain(fact.title)}: ${plain(fact.value)}`);
    }
    for (const key of ["body", "items", "columns", "actions", "card"]) visit(element[key]);
  };
  visit(card);
  return texts;
}

function plain(text: string): string {
  return text.replace(/(?<!\\)\*\*/g, "").replace(/\\(.)/g, "$1");
}

/** The cluster a drift or resolved card is about: the bold name its title starts with. */
export function cardCluster(card: { fallbackText?: string }): string | undefined {
  return /^\*\*(.+?)\*\*/.exec(card.fallbackText ?? "")?.[1]?.replace(/\\(.)/g, "$1");
}

/** A copy of a REST cluster body under another name (id and name), in the same resource group. */
export function renamed(body: Json, name: string): Json {
  const copy = structuredClone(body);
  copy.id = String(copy.id).replace(/\/managedClusters\/[^/]+$/i, `/managedClusters/${name}`);
  copy.name = name;
  return copy;
}

type Method<T, K extends keyof T> = T[K] extends (...args: infer A) => infer R ? (...args: A) => R : never;
export type Hooks<T> = { [K in keyof T]?: (original: Method<T, K>, ...args: Parameters<Method<T, K>>) => ReturnType<Method<T, K>> };

/**
 * The same object, with a hook in front of some of its methods: the hook gets the real method (bound)
 * and the arguments, and decides when and whether to call it. Every other member is the real one.
 */
export function intercept<T extends object>(target: T, hooks: Hooks<T>): T {
  return new Proxy(target, {
    get(object, property, receiver) {
      const value = Reflect.get(object, property, receiver) as unknown;
      if (typeof value !== "function") return value;
      const original = (value as (...args: unknown[]) => unknown).bind(object);
      const hook = (hooks as Record<PropertyKey, ((original: unknown, ...args: unknown[]) => unknown) | undefined>)[property];
      return hook ? (...args: unknown[]) => hook(original, ...args) : original;
    },
  });
}

/** Resolves every `arrive()` once `parties` of them are waiting (then lets everyone through). */
export class Barrier {
  private waiting: Array<() => void> = [];
  private open = false;

  constructor(private readonly parties: number) {}

  arrive(): Promise<void> {
    if (this.open) return Promise.resolve();
    return new Promise((resolve) => {
      this.waiting.push(resolve);
      if (this.waiting.length >= this.parties) {
        this.open = true;
        for (const release of this.waiting) release();
        this.waiting = [];
      }
    });
  }
}

/** p-th percentile (0..100) of a list of numbers, nearest rank. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)));
  return sorted[rank - 1]!;
}
