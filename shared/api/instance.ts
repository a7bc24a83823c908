/**
 * The HTTP and timer functions' dependencies, built once per Functions instance, lazily (the first
 * invocation that needs them), from the validated settings: the same store, ARM connection and monitor
 * settings as the clusterEvents function (shared/events/deps.ts). A failed start is tried again next time.
 */
import { readSettings, type Settings } from "../config/settings.js";
import { eventDeps, eventRuntime, type EventRuntime } from "../events/deps.js";
import type { RecheckDeps } from "./recheck.js";

export interface ApiRuntime extends EventRuntime {
  settings: Settings;
}

let runtime: Promise<ApiRuntime> | undefined;

export function apiRuntime(): Promise<ApiRuntime> {
  runtime ??= Promise.resolve()
    .then(async () => {
      const settings = readSettings();
      return { ...(await eventRuntime(settings)), settings };
    })
    .catch((error: unknown) => {
      runtime = undefined;
      throw error;
    });
  return runtime;
}

/** Tests: forget the instance's runtime (the next invocation builds it from the settings again). */
export function resetApiRuntime(): void {
  runtime = undefined;
}

/** One recheck's deps: the instance's store and settings, a fresh ARM reader (its caches live one request). */
export function recheckDeps(runtime: ApiRuntime, options: Partial<Pick<RecheckDeps, "waitMs" | "cooldownMs" | "onBackgroundError">> = {}): RecheckDeps {
  const deps = eventDeps(runtime);
  return { store: runtime.store, reader: deps.reader, monitorSettings: runtime.monitorSettings, ...options };
}
