import { app, output, type InvocationContext, type Timer } from "@azure/functions";
import { EVALUATE_QUEUE } from "../shared/sweep/messages.js";
import { instanceSweepRuntime } from "../shared/sweep/runtime.js";
import { startSweep, type SweepStarted } from "../shared/sweep/sweep.js";

/**
 * One message per cluster on the evaluate queue, written by the host after the handler returns (no
 * storage SDK). The queue's retries and scale-out are set in host.json `extensions.queues`
 * (see README "Nightly sweep").
 */
export const evaluateQueueOutput = output.storageQueue({ queueName: EVALUATE_QUEUE, connection: "AzureWebJobsStorage" });

/** Timer (SWEEP_SCHEDULE): the inventory, the sweep record, the fan-out. Throws when the inventory is unreadable for now. */
export async function nightlySweepHandler(_timer: Timer | unknown, context: InvocationContext): Promise<SweepStarted> {
  const runtime = await instanceSweepRuntime();
  const started = await startSweep(runtime, new Date());
  for (const problem of started.problems) context.warn(`nightlySweep ${started.sweepId}: ${problem}`);
  if (started.messages.length === 0) context.log(`nightlySweep ${started.sweepId}: no clusters in scope, no messages queued and no digest`);
  else context.log(`nightlySweep ${started.sweepId}: ${started.messages.length} cluster(s) queued for evaluation`);
  context.extraOutputs.set(evaluateQueueOutput, started.messages);
  return started;
}

app.timer("nightlySweep", { schedule: "%SWEEP_SCHEDULE%", handler: nightlySweepHandler, extraOutputs: [evaluateQueueOutput] });
