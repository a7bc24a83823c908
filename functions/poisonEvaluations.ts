import { app, type InvocationContext } from "@azure/functions";
import { parseSweepMessage, POISON_QUEUE } from "../shared/sweep/messages.js";
import { instanceSweepRuntime } from "../shared/sweep/runtime.js";
import { recordPoisonMessage } from "../shared/sweep/sweep.js";

export type PoisonResult =
  | { outcome: "recorded"; cluster: string; digestAlertId?: string }
  | { outcome: "unknownSweep"; cluster: string }
  | { outcome: "rejected"; reason: string };

/**
 * Queue trigger on the evaluate queue's poison queue: a cluster whose evaluation failed on every retry.
 * Logged as an error and marked done-with-error in its sweep, so that the digest still goes out and names it.
 */
export async function poisonEvaluationsHandler(message: unknown, context: InvocationContext): Promise<PoisonResult> {
  const parsed = parseSweepMessage(message);
  if ("problem" in parsed) {
    context.error(`poisonEvaluations: unreadable poison message dropped: ${parsed.problem}`);
    return { outcome: "rejected", reason: parsed.problem };
  }
  const runtime = await instanceSweepRuntime();
  context.error(`poisonEvaluations ${parsed.sweepId}: ${parsed.ref.id} could not be evaluated after every retry`);
  const finished = await recordPoisonMessage(parsed, { store: runtime.store, now: () => new Date() });
  if (!finished) {
    context.warn(`poisonEvaluations ${parsed.sweepId}: no such sweep recorded`);
    return { outcome: "unknownSweep", cluster: parsed.ref.id };
  }
  if (finished.digest) context.log(`poisonEvaluations ${parsed.sweepId}: last cluster of the sweep, digest ${finished.digest.alertId} enqueued`);
  return { outcome: "recorded", cluster: parsed.ref.id, ...(finished.digest ? { digestAlertId: finished.digest.alertId } : {}) };
}

app.storageQueue("poisonEvaluations", { queueName: POISON_QUEUE, connection: "AzureWebJobsStorage", handler: poisonEvaluationsHandler });
