import { app, type InvocationContext, type Timer } from "@azure/functions";
import { instanceSweepRuntime } from "../shared/sweep/runtime.js";
import { closeOverdueSweeps, type ClosedByDeadline } from "../shared/sweep/deadline.js";

/** Timer, every 5 minutes: sends the digest of each sweep past SWEEP_DEADLINE_MINUTES, naming the clusters not reached. */
export async function sweepDeadlineHandler(_timer: Timer | unknown, context: InvocationContext, now: () => Date = () => new Date()): Promise<ClosedByDeadline[]> {
  const runtime = await instanceSweepRuntime();
  const closed = await closeOverdueSweeps({ store: runtime.store, now, sweepDeadlineMinutes: runtime.sweepDeadlineMinutes });
  for (const sweep of closed) {
    if (sweep.notReached.length > 0) context.warn(`sweepDeadline ${sweep.sweepId}: digest sent at the deadline, ${sweep.notReached.length} cluster(s) not reached`);
    else context.log(`sweepDeadline ${sweep.sweepId}: digest enqueued`);
  }
  return closed;
}

app.timer("sweepDeadline", { schedule: "0 */5 * * * *", runOnStartup: false, handler: (timer, context) => sweepDeadlineHandler(timer, context) });
