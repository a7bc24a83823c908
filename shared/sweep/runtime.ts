/**
 * The sweep functions' dependencies: the event runtime (store, ARM connection, monitor settings) plus the
 * subscriptions in scope, built once per Functions instance from the validated settings, lazily (a failed
 * start is tried again on the next invocation).
 */
import { readSettings } from "../config/settings.js";
import { eventRuntime, type EventRuntime } from "../events/deps.js";

export interface SweepRuntime extends EventRuntime {
  subscriptions: readonly string[];
  /** SWEEP_DEADLINE_MINUTES. */
  sweepDeadlineMinutes: number;
}

let runtime: Promise<SweepRuntime> | undefined;

export function instanceSweepRuntime(): Promise<SweepRuntime> {
  runtime ??= Promise.resolve()
    .then(async () => {
      const settings = readSettings();
      return { ...(await eventRuntime(settings)), subscriptions: settings.MONITOR_SUBSCRIPTIONS, sweepDeadlineMinutes: settings.SWEEP_DEADLINE_MINUTES };
    })
    .catch((error: unknown) => {
      runtime = undefined;
      throw error;
    });
  return runtime;
}

/** Tests: use this runtime (or, with none, build it from the settings again on the next invocation). */
export function useSweepRuntime(given?: SweepRuntime): void {
  runtime = given ? Promise.resolve(given) : undefined;
}
