/**
 * `aksmon sweep [--fleet <dir>]`: the whole pipeline from the command line. Read (cluster files, or the
 * live fleet in scope), evaluate, diff with the stored findings, save, alert through the outbox, and a
 * digest at the end. With no storage configured it runs on an embedded Azurite under AKSMON_HOME, so a
 * second run sees the first one's state; with no TEAMS_WEBHOOK_URL it prints the cards it would send.
 */
import { randomUUID } from "node:crypto";
import { readdir } from "node:fs/promises";
import { join } from "node:path";
import { defaultProfile, loadProfile } from "../baseline/profile.js";
import type { ClusterEvaluation } from "../baseline/types.js";
import { readSettings, type Settings } from "../config/settings.js";
import type { ClusterSnapshot } from "../model/snapshot.js";
import { buildDigest } from "../monitor/digest.js";
import { monitorCluster, type MonitorSettings } from "../monitor/pipeline.js";
import type { Alert } from "../model/alerts.js";
import { defaultDeliveryOptions, deliverDue, type DeliveryChannel, type DeliveryReport } from "../alerts/delivery.js";
import type { AdaptiveCard, TeamsMessage } from "../alerts/cards/index.js";
import { Pacer } from "../alerts/pacer.js";
import { postToWebhook, redactUrl } from "../alerts/webhook.js";
import { readClusterFiles } from "../sources/clusterFiles.js";
import { outboxEntryFor } from "../store/outbox.js";
import { fleetPostureOf } from "../store/fleetPosture.js";
import { retentionCutoffs } from "../store/retention.js";
import { storeOrEmbedded } from "../store/embeddedAzurite.js";
import type { TableStore } from "../store/tableStore.js";
import type { CommandResult } from "./check.js";
import { readLive } from "./live.js";
import { UsageError } from "./scope.js";

export interface SweepOptions {
  fleet?: string;
  digest: boolean;
  /** Print the Teams messages as JSON instead of their text (when no webhook is set). */
  cardsJson: boolean;
}

export async function runSweep(options: SweepOptions): Promise<CommandResult> {
  const settings = readSettings();
  const profile = settings.AKSMON_PROFILE ? await loadProfile(settings.AKSMON_PROFILE) : defaultProfile;
  const { snapshots, problems } = options.fleet ? await fromFleetDirectory(options.fleet) : await fromAzure(settings);
  if (snapshots.length === 0) return { exitCode: 2, stdout: "", stderr: problems };

  const store = await storeOrEmbedded(settings);
  const printed: string[] = [];
  try {
    const sweepId = randomUUID();
    const now = new Date();
    const monitor: MonitorSettings = {
      profile,
      minSeverity: settings.ALERT_MIN_SEVERITY,
      cooldownMinutes: settings.ALERT_COOLDOWN_MINUTES,
      flapWindowHours: settings.FLAP_WINDOW_HOURS,
      flapThreshold: settings.FLAP_THRESHOLD,
    };
    const results: Array<{ snapshot: ClusterSnapshot; evaluation: ClusterEvaluation }> = [];
    let transitions = 0;
    for (const snapshot of snapshots) {
      try {
        const result = await monitorCluster(snapshot, { kind: "sweep", id: sweepId }, store, monitor, now);
        results.push({ snapshot, evaluation: result.evaluation });
        transitions += result.transitions.filter((t) => t.kind === "newFailure" || t.kind === "regressed" || t.kind === "resolved").length;
      } catch (error) {
        // Nothing of this cluster was saved (the commit is atomic): it is tried again at the next sweep.
        problems.push(`${snapshot.ref.id}: not saved: ${error instanceof Error ? error.message.split("\n")[0] : String(error)}`);
      }
    }
    const digest = buildDigest(results, now);
    await store.recordFleetPosture(fleetPostureOf(digest));
    if (options.digest) await store.enqueue(outboxEntryFor(digest, { now: new Date().toISOString() }));

    const channel = settings.TEAMS_WEBHOOK_URL
      ? webhookChannel(settings.TEAMS_WEBHOOK_URL)
      : printingChannel(printed, options.cardsJson);
    const delivery = await drain(store, channel);
    const waiting = (await store.listOutbox("pending")).length;
    // Retention: the trend, processed events, sent and dead alerts (RETENTION_DAYS) and audit rows (AUDIT_RETENTION_DAYS) go.
    await store.purge(retentionCutoffs(settings.RETENTION_DAYS, now, settings.AUDIT_RETENTION_DAYS));
    const where = settings.TEAMS_WEBHOOK_URL ? `sent to ${redactUrl(settings.TEAMS_WEBHOOK_URL)}` : "printed above (no TEAMS_WEBHOOK_URL)";
    const lines = [
      ...printed,
      `Swept ${results.length} cluster(s): ${transitions} change(s) since the last sweep, ` +
        `${delivery.sent} card(s) ${where}${delivery.merged ? `, ${delivery.merged} merged` : ""}` +
        `${waiting ? `, ${waiting} waiting (cooldown or retry)` : ""}${delivery.dead ? `, ${delivery.dead} dead` : ""}.`,
    ];
    return { exitCode: problems.length > 0 ? 2 : delivery.dead > 0 ? 1 : 0, stdout: `${lines.join("\n")}\n`, stderr: problems };
  } finally {
    await store.close();
  }
}

async function fromFleetDirectory(directory: string): Promise<{ snapshots: ClusterSnapshot[]; problems: string[] }> {
  let names: string[];
  try {
    names = (await readdir(directory)).filter((name) => name.toLowerCase().endsWith(".json")).sort();
  } catch (error) {
    throw new UsageError(`--fleet ${directory}: cannot read the directory (${(error as NodeJS.ErrnoException).code ?? error})`);
  }
  if (names.length === 0) throw new UsageError(`--fleet ${directory}: no .json cluster files in it`);
  const { snapshots, problems } = await readClusterFiles(names.map((name) => join(directory, name)));
  return { snapshots, problems: problems.map((problem) => `${problem.file}: ${problem.message}`) };
}

async function fromAzure(settings: Settings): Promise<{ snapshots: ClusterSnapshot[]; problems: string[] }> {
  if (settings.MONITOR_SUBSCRIPTIONS.length === 0) {
    throw new UsageError("no fleet: give --fleet <dir> with cluster files, or set MONITOR_SUBSCRIPTIONS to sweep Azure");
  }
  return readLive({ subscriptions: settings.MONITOR_SUBSCRIPTIONS });
}

/** How long, in all, a sweep waits for the retries it was told to make (a 429's Retry-After, a backoff). */
const RETRY_WAIT_MS = 60_000;

/**
 * Delivers until nothing is due now and no retry is due within RETRY_WAIT_MS of the first round: a card
 * throttled once is sent in this run, not at the next sweep (a day later for a nightly one). Alerts held
 * by a cooldown, and retries due later (Teams down), stay pending for the next run.
 */
async function drain(store: TableStore, channel: DeliveryChannel): Promise<DeliveryReport> {
  const total: DeliveryReport = { sent: 0, retried: 0, dead: 0, merged: 0 };
  const pacer = new Pacer();
  const deadline = Date.now() + RETRY_WAIT_MS;
  for (;;) {
    const round = await deliverDue(store, channel, { ...defaultDeliveryOptions, pacer });
    total.sent += round.sent;
    total.retried += round.retried;
    total.dead += round.dead;
    total.merged += round.merged;
    if (round.sent + round.dead + round.merged > 0) continue;
    // When each retry can go: its due time, or later if another sender holds it.
    const next = Math.min(
      ...(await store.listOutbox("pending"))
        .filter((entry) => entry.attempts > 0)
        .map((entry) => Math.max(Date.parse(entry.nextAttemptAt), entry.leaseUntil ? Date.parse(entry.leaseUntil) : 0)),
    );
    if (!Number.isFinite(next) || next > deadline || Date.now() > deadline) return total;
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, next - Date.now()) + 10));
  }
}

function webhookChannel(url: string): DeliveryChannel {
  return {
    key: redactUrl(url),
    flavour: "webhook",
    send: (message) => postToWebhook(url, message, { timeoutMs: 15_000 }),
  };
}

/** With no webhook, the cards go to stdout: as text (what a reader sees), or as the JSON Teams would get. */
function printingChannel(into: string[], asJson: boolean): DeliveryChannel {
  return {
    key: "stdout",
    flavour: "webhook",
    async send(message: TeamsMessage, alert: Alert) {
      into.push(asJson ? JSON.stringify(message, null, 2) : cardText(message.attachments[0].content, alert));
      return { kind: "sent", status: 200 };
    },
  };
}

/** The visible text of a card, one block per line, for a terminal. */
export function cardText(card: AdaptiveCard, alert: Alert): string {
  const lines: string[] = [`── card (${alert.kind}) ${"─".repeat(60)}`.slice(0, 78)];
  const visit = (node: unknown, depth: number): void => {
    if (Array.isArray(node)) {
      for (const item of node) visit(item, depth);
      return;
    }
    if (!node || typeof node !== "object") return;
    const element = node as Record<string, unknown>;
    const indent = "  ".repeat(depth);
    if (element.type === "TextBlock" && typeof element.text === "string") lines.push(`${indent}${plain(element.text)}`);
    if (element.type === "FactSet" && Array.isArray(element.facts)) {
      for (const fact of element.facts as Array<{ title: string; value: string }>) lines.push(`${indent}${plain(fact.title)}: ${plain(fact.value)}`);
    }
    if (element.type === "Action.OpenUrl") lines.push(`${indent}[${String(element.title)}] ${String(element.url)}`);
    else if (typeof element.type === "string" && element.type.startsWith("Action.")) lines.push(`${indent}[${String(element.title)}]`);
    for (const key of ["body", "items", "columns", "actions"]) visit(element[key], key === "items" || key === "columns" ? depth : depth);
    if (element.card) visit(element.card, depth + 1);
  };
  visit(card, 0);
  return lines.join("\n");
}

/** Markdown is for Teams; a terminal shows the plain text (bold markers dropped, escapes undone). */
function plain(text: string): string {
  return text.replace(/(?<!\\)\*\*/g, "").replace(/\\(.)/g, "$1");
}
