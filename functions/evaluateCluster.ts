import { app, type InvocationContext } from "@azure/functions";
import { eventDeps } from "../shared/events/deps.js";
import { METRICS, metricLine } from "../shared/logging/metrics.js";
import { EVALUATE_QUEUE, parseSweepMessage } from "../shared/sweep/messages.js";
import { instanceSweepRuntime } from "../shared/sweep/runtime.js";
import { evaluateSweepCluster, type ClusterOutcome } from "../shared/sweep/sweep.js";

export type EvaluateResult = ClusterOutcome | { outcome: "rejected"; reason: string };

/**
 * Queue trigger: one cluster of a nightly sweep. A malformed message is logged and acknowledged; a
 * transient failure throws, so that the queue retries it (maxDequeueCount in host.json), then poisons it.
 */
export async function evaluateClusterHandler(message: unknown, context: InvocationContext): Promise<EvaluateResult> {
  const parsed = parseSweepMessage(message);
  if ("problem" in parsed) {
    context.warn(`evaluateCluster: malformed message acknowledged, not retried: ${parsed.problem}`);
    return { outcome: "rejected", reason: parsed.problem };
  }
  const where = `evaluateCluster ${parsed.sweepId} ${parsed.ref.id}`;
  const runtime = await instanceSweepRuntime();
  const outcome = await evaluateSweepCluster(parsed, { ...eventDeps(runtime), store: runtime.store, now: () => new Date() }).catch((error: unknown) => {
    context.warn(`${where}: failed, the queue will retry: ${firstLine(error)}`);
    throw error;
  });
  switch (outcome.outcome) {
    case "evaluated":
      context.log(`${where}: evaluated, ${outcome.changes} change(s)${outcome.alertId ? `, drift alert ${outcome.alertId}` : ""}`);
      break;
    case "gone":
      context.log(`${where}: ${outcome.reason}, counted as done`);
      break;
    case "unreadable":
      context.warn(`${where}: could not be read (acknowledged, named in the digest): ${outcome.reason}`);
      break;
    case "unknownSweep":
      context.warn(`${where}: no such sweep recorded (acknowledged)`);
      return outcome;
  }
  context.log(metricLine(METRICS.evaluations, 1, { source: "sweep", outcome: outcome.outcome }));
  if (outcome.progress) context.log(`${where}: sweep ${outcome.progress.done}/${outcome.progress.expected} done`);
  if (outcome.digest) context.log(`${where}: last cluster of the sweep, digest ${outcome.digest.alertId} enqueued`);
  return outcome;
}

function firstLine(error: unknown): string {
  const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return (text.split("\n")[0] ?? text).slice(0, 300);
}

app.storageQueue("evaluateCluster", { queueName: EVALUATE_QUEUE, connection: "AzureWebJobsStorage", handler: evaluateClusterHandler });
