/**
 * `aksmon report --html <file>`: the fleet dashboard from the store `aksmon sweep` fills, written as one
 * self-contained page (its Content-Security-Policy in a <meta>: a file has no response header).
 */
import { randomBytes } from "node:crypto";
import { renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { defaultProfile, loadProfile } from "../baseline/profile.js";
import { readSettings } from "../config/settings.js";
import { loadDashboard } from "../dashboard/load.js";
import { renderDashboardPage } from "../dashboard/page.js";
import { isSubscriptionId } from "../model/clusterRef.js";
import { storeOrEmbedded } from "../store/embeddedAzurite.js";
import type { CommandResult } from "./check.js";
import { UsageError } from "./scope.js";

export interface ReportOptions {
  html: string;
  /** Only these subscriptions; default MONITOR_SUBSCRIPTIONS, else every cluster in the store. */
  subscriptions?: readonly string[];
}

export async function runReport(options: ReportOptions): Promise<CommandResult> {
  for (const id of options.subscriptions ?? []) {
    if (!isSubscriptionId(id)) throw new UsageError(`--subscription ${JSON.stringify(id)} is not a subscription id (a GUID)`);
  }
  const target = resolve(options.html);
  // Checked before the store starts, so that a bad path fails at once.
  checkWritable(options.html, target);
  const settings = readSettings();
  const profile = settings.AKSMON_PROFILE ? await loadProfile(settings.AKSMON_PROFILE) : defaultProfile;
  const given = options.subscriptions !== undefined && options.subscriptions.length > 0;
  const store = await storeOrEmbedded(settings);
  let model;
  try {
    model = await loadDashboard(store, {
      subscriptions: given ? options.subscriptions : settings.MONITOR_SUBSCRIPTIONS,
      // The stored fleet points count the monitored fleet: not comparable with a chosen part of it.
      fleetTrend: !given,
      exemptionTag: profile.exemptionTag,
    });
  } finally {
    await store.close();
  }
  writeAtomically(options.html, target, renderDashboardPage(model).html);
  return { exitCode: 0, stdout: `wrote ${options.html}: ${model.clusters.length} clusters\n`, stderr: [] };
}

function checkWritable(given: string, target: string): void {
  const directory = dirname(target);
  let isDirectory: boolean;
  try {
    isDirectory = statSync(directory).isDirectory();
  } catch (error) {
    throw new UsageError(`--html ${given}: the directory ${directory} does not exist (${(error as NodeJS.ErrnoException).code ?? error})`);
  }
  if (!isDirectory) throw new UsageError(`--html ${given}: ${directory} is not a directory`);
  try {
    if (statSync(target).isDirectory()) throw new UsageError(`--html ${given}: is a directory`);
  } catch (error) {
    if (error instanceof UsageError) throw error;
  }
}

/** A temporary file beside the target, renamed over it: never a half-written page. */
function writeAtomically(given: string, target: string, html: string): void {
  const temporary = join(dirname(target), `.${basename(target)}.${randomBytes(4).toString("hex")}.tmp`);
  try {
    writeFileSync(temporary, html, { flag: "wx" });
    renameSync(temporary, target);
  } catch (error) {
    rmSync(temporary, { force: true });
    throw new UsageError(`--html ${given}: cannot write the file (${(error as NodeJS.ErrnoException).code ?? error})`);
  }
}
