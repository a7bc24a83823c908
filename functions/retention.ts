import { app, type InvocationContext, type Timer } from "@azure/functions";
import { apiRuntime } from "../shared/api/instance.js";
import type { PurgeCounts } from "../shared/store/retention.js";
import { retentionCutoffs } from "../shared/store/retention.js";

/**
 * Timer, daily at 03:30 UTC (after the nightly sweep's usual start): deletes evaluations, processed
 * events, sent and dead alerts older than RETENTION_DAYS and audit rows older than AUDIT_RETENTION_DAYS.
 * Pending alerts are never purged. A storage failure throws (the next day's run catches up).
 */
export async function retentionHandler(_timer: Timer | unknown, context: InvocationContext, now: Date = new Date()): Promise<PurgeCounts> {
  const { store, settings } = await apiRuntime();
  const deleted = await store.purge(retentionCutoffs(settings.RETENTION_DAYS, now, settings.AUDIT_RETENTION_DAYS));
  context.log(
    `retention: deleted ${deleted.evaluations} evaluation(s), ${deleted.events} event(s), ${deleted.sent} sent and ${deleted.dead} dead alert(s) older than ${settings.RETENTION_DAYS} days, ` +
      `${deleted.audit} audit row(s) older than ${settings.AUDIT_RETENTION_DAYS} days`,
  );
  return deleted;
}

app.timer("retention", { schedule: "0 30 3 * * *", runOnStartup: false, handler: (timer, context) => retentionHandler(timer, context) });
