import { BASELINE_VERSION, catalogue } from "./baseline/catalogue.js";
import { readSettings, type Settings } from "./config/settings.js";
import { deliveryReadiness, type DeliveryReadiness } from "./api/delivery.js";
import type { OutboxSummary } from "./store/outbox.js";
import type { ConversationRecord } from "./store/types.js";

export interface Health {
  /**
   * `misconfigured`: the settings do not validate, or alerts can reach no one (no channel; a bot in none of
   * ALERT_CONVERSATIONS). `unavailable`: the store could not be read. `degraded`: alerts are dead, or
   * the oldest undelivered one is older than an hour (Teams refusing or down). Else `ok`.
   */
  status: "ok" | "degraded" | "misconfigured" | "unavailable";
  baseline: string;
  checks: number;
  /** The first problem, when there is one (names a setting, never its value). */
  problem?: string;
  /** Every problem found. */
  problems?: string[];
  /** Where alerts go; the bot's conversations as counts only. */
  delivery?: Pick<DeliveryReadiness, "channel" | "conversations">;
  /** Undelivered alerts: counts, and the oldest pending one's time and age in minutes. */
  outbox?: OutboxSummary & { oldestPendingMinutes?: number };
}

/** What health reads: the outbox summary and the bot's conversations (three table queries at most). */
export interface HealthStore {
  outboxSummary(): Promise<OutboxSummary>;
  listConversations(): Promise<ConversationRecord[]>;
}

/** An undelivered alert older than this makes health `degraded`. */
const DELAYED_MS = 60 * 60_000;

/**
 * What GET /api/health reports: the baseline in use, whether the settings validate, where alerts go and
 * whether they get there. `store` is asked for only once the settings validate.
 */
export async function health(
  store: (settings: Settings) => Promise<HealthStore>,
  env: Record<string, string | undefined> = process.env,
  now: Date = new Date(),
): Promise<Health> {
  const base = { baseline: BASELINE_VERSION, checks: catalogue.length };
  let settings: Settings;
  try {
    settings = readSettings(env);
  } catch (error) {
    return { status: "misconfigured", ...base, problem: messageOf(error) };
  }
  let readiness: DeliveryReadiness;
  let outbox: OutboxSummary;
  try {
    const tables = await store(settings);
    [readiness, outbox] = await Promise.all([deliveryReadiness(settings, tables), tables.outboxSummary()]);
  } catch (error) {
    return { status: "unavailable", ...base, problem: `could not read the store: ${firstLine(messageOf(error))}` };
  }
  const oldestPendingMinutes = outbox.oldestPendingAt ? Math.max(0, Math.floor((now.getTime() - Date.parse(outbox.oldestPendingAt)) / 60_000)) : undefined;
  const misconfigured = readiness.problem ? [readiness.problem] : [];
  const degraded: string[] = [];
  if (outbox.dead > 0) degraded.push(`${outbox.dead} alert(s) could not be delivered and are dead: see \`aksmon outbox\`, re-queue with \`aksmon outbox --redrive\``);
  if (oldestPendingMinutes !== undefined && oldestPendingMinutes * 60_000 >= DELAYED_MS) {
    degraded.push(`the oldest undelivered alert waits for ${oldestPendingMinutes} min (${outbox.pending} pending): see \`aksmon outbox\``);
  }
  const problems = [...misconfigured, ...degraded];
  const status = misconfigured.length > 0 ? "misconfigured" : degraded.length > 0 ? "degraded" : "ok";
  const { channel, conversations } = readiness;
  return {
    status,
    ...base,
    ...(problems.length > 0 ? { problem: problems[0], problems } : {}),
    delivery: { channel, ...(conversations ? { conversations } : {}) },
    outbox: { ...outbox, ...(oldestPendingMinutes !== undefined ? { oldestPendingMinutes } : {}) },
  };
}

/** 200 while alerts flow (a Teams outage included: the app is not at fault), 503 when the operator must act or the store is unreadable. */
export function healthStatusCode(result: Health): number {
  return result.status === "ok" || result.status === "degraded" ? 200 : 503;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function firstLine(text: string): string {
  return text.split("\n")[0]!.slice(0, 300);
}
