/**
 * `aksmon outbox [--json]`: every alert not delivered yet (pending) and every one given up on (dead), with
 * its state, kind, cluster, attempts, age, next attempt and last error. `--redrive` re-queues the dead ones
 * (pending again, attempts reset, due now). The store is opened as for the other commands: the configured
 * storage, else the embedded Azurite under AKSMON_HOME.
 */
import { readSettings } from "../config/settings.js";
import { parseClusterId } from "../model/clusterRef.js";
import { singleLine, truncate } from "../report/text.js";
import { storeOrEmbedded } from "../store/embeddedAzurite.js";
import type { TableStore } from "../store/tableStore.js";
import type { OutboxEntry } from "../store/types.js";
import type { CommandResult } from "./check.js";

export interface OutboxOptions {
  json: boolean;
  redrive: boolean;
  now?: Date;
}

export interface OutboxRow {
  alertId: string;
  state: "pending" | "dead";
  kind: OutboxEntry["alert"]["kind"];
  /** The cluster's id; absent for the digest. */
  cluster?: string;
  attempts: number;
  createdAt: string;
  ageMinutes: number;
  /** Pending only. */
  nextAttemptAt?: string;
  lastError?: string;
  redrivenAt?: string;
}

const MAX_ERROR = 300;

export async function runOutbox(options: OutboxOptions): Promise<CommandResult> {
  const settings = readSettings();
  const store = await storeOrEmbedded(settings);
  try {
    const now = options.now ?? new Date();
    if (options.redrive) return redrive(store, now, options.json);
    const entries = [...(await store.listOutbox("pending")), ...(await store.listOutbox("dead"))];
    const rows = entries.map((entry) => rowOf(entry, now));
    if (options.json) return { exitCode: 0, stdout: `${JSON.stringify({ pending: count(rows, "pending"), dead: count(rows, "dead"), alerts: rows }, null, 2)}\n`, stderr: [] };
    return { exitCode: 0, stdout: table(rows, now), stderr: [] };
  } finally {
    await store.close();
  }
}

async function redrive(store: TableStore, now: Date, json: boolean): Promise<CommandResult> {
  const requeued = await store.redriveDead(now.toISOString());
  const stdout = json
    ? `${JSON.stringify({ requeued })}\n`
    : requeued === 0
      ? "no dead alert to re-queue\n"
      : `re-queued ${requeued} dead alert(s): pending again, due now; the next delivery round sends them\n`;
  return { exitCode: 0, stdout, stderr: [] };
}

function rowOf(entry: OutboxEntry, now: Date): OutboxRow {
  const alert = entry.alert;
  return {
    alertId: entry.alertId,
    state: entry.state === "dead" ? "dead" : "pending",
    kind: alert.kind,
    ...(alert.kind !== "digest" ? { cluster: alert.cluster.id } : entry.clusterKey ? { cluster: entry.clusterKey } : {}),
    attempts: entry.attempts,
    createdAt: entry.createdAt,
    ageMinutes: minutesBetween(entry.createdAt, now),
    ...(entry.state === "pending" ? { nextAttemptAt: entry.nextAttemptAt } : {}),
    ...(entry.lastError ? { lastError: truncate(singleLine(entry.lastError), MAX_ERROR) } : {}),
    ...(entry.redrivenAt ? { redrivenAt: entry.redrivenAt } : {}),
  };
}

/** Cells are capped (40 characters), lines are not cut to the terminal: the last error is what matters most. */
function table(rows: readonly OutboxRow[], now: Date): string {
  if (rows.length === 0) return "the outbox is empty: every alert was delivered\n";
  const header = ["STATE", "KIND", "CLUSTER", "ATTEMPTS", "AGE", "NEXT ATTEMPT"];
  const cells = rows.map((row) => [
    row.state,
    row.kind,
    clusterLabel(row.cluster),
    String(row.attempts),
    duration(row.ageMinutes),
    row.nextAttemptAt ? nextAttempt(row.nextAttemptAt, now) : "never (dead)",
  ]);
  const widths = header.map((_, column) => Math.min(40, Math.max(...[header, ...cells].map((line) => line[column]!.length))));
  const line = (cellsOfRow: readonly string[]) => cellsOfRow.map((cell, column) => truncate(singleLine(cell), widths[column]!).padEnd(widths[column]!)).join("  ").trimEnd();
  const lines = [line(header)];
  rows.forEach((row, index) => {
    lines.push(line(cells[index]!));
    if (row.lastError) lines.push(`  last error: ${row.lastError}`);
  });
  const pending = rows.filter((row) => row.state === "pending");
  const oldest = pending.length > 0 ? Math.max(...pending.map((row) => row.ageMinutes)) : undefined;
  const dead = count(rows, "dead");
  lines.push(
    `${pending.length} pending${oldest !== undefined ? ` (oldest ${duration(oldest)})` : ""}, ${dead} dead${dead > 0 ? "; re-queue the dead with `aksmon outbox --redrive`" : ""}`,
  );
  return `${lines.join("\n")}\n`;
}

function count(rows: readonly OutboxRow[], state: OutboxRow["state"]): number {
  return rows.filter((row) => row.state === state).length;
}

/** `name (resource group)` for a cluster id, the digest as `fleet`. */
function clusterLabel(id: string | undefined): string {
  if (!id) return "fleet";
  const ref = parseClusterId(id);
  return ref ? `${ref.name} (${ref.resourceGroup})` : id;
}

function nextAttempt(at: string, now: Date): string {
  const minutes = Math.ceil((Date.parse(at) - now.getTime()) / 60_000);
  return minutes <= 0 ? "due now" : `in ${duration(minutes)}`;
}

function minutesBetween(from: string, now: Date): number {
  return Math.max(0, Math.floor((now.getTime() - Date.parse(from)) / 60_000));
}

/** `12 min`, `3 h 5 min`, `2 d 4 h`. */
export function duration(minutes: number): string {
  if (minutes < 60) return `${minutes} min`;
  if (minutes < 48 * 60) return `${Math.floor(minutes / 60)} h${minutes % 60 ? ` ${minutes % 60} min` : ""}`;
  const hours = Math.floor(minutes / 60);
  return `${Math.floor(hours / 24)} d${hours % 24 ? ` ${hours % 24} h` : ""}`;
}
