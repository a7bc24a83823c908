import { app, type InvocationContext } from "@azure/functions";
import { readSettings } from "../shared/config/settings.js";
import { eventDeps, eventRuntime, type EventRuntime } from "../shared/events/deps.js";
import { handleClusterEvent, type EventOutcome } from "../shared/events/handle.js";
import { parseEvent } from "../shared/events/parse.js";
import { PermanentEventError } from "../shared/events/types.js";
import { METRICS, metricLine } from "../shared/logging/metrics.js";

let runtime: Promise<EventRuntime> | undefined;

/** The instance's store, ARM connection and settings, validated once (a failed start is tried again next time). */
function instanceRuntime(): Promise<EventRuntime> {
  runtime ??= Promise.resolve()
    .then(() => eventRuntime(readSettings()))
    .catch((error: unknown) => {
      runtime = undefined;
      throw error;
    });
  return runtime;
}

/** Tests: forget the instance's runtime (the next invocation builds it from the settings again). */
export function resetClusterEventsRuntime(): void {
  runtime = undefined;
}

/**
 * Event Grid trigger (Event Grid schema and CloudEvents): one event per invocation. Returns after the
 * event was handled or acknowledged; throws on transient failures, and while another attempt holds the
 * event's lease, so that Event Grid retries.
 */
export async function clusterEventsHandler(event: unknown, context: InvocationContext): Promise<EventOutcome> {
  const parsed = await parseEvent(event);
  const outcome = await handleClusterEvent(parsed, async () => eventDeps(await instanceRuntime())).catch((error: unknown) => {
    const id = parsed instanceof PermanentEventError ? parsed.eventId : parsed.id;
    context.warn(`clusterEvents: event ${id || "(no id)"} failed, Event Grid will retry: ${firstLine(error)}`);
    throw error;
  });
  const id = outcome.eventId ?? "(no id)";
  if (outcome.outcome === "rejected" || outcome.outcome === "unreadable") context.warn(`clusterEvents: event ${id} ${describe(outcome)}`);
  else context.log(`clusterEvents: event ${id} ${describe(outcome)}`);
  context.log(metricLine(METRICS.events, 1, { outcome: outcome.outcome }));
  if (outcome.outcome === "evaluated" || outcome.outcome === "unreadable") context.log(metricLine(METRICS.evaluations, 1, { source: "event", outcome: outcome.outcome }));
  if (outcome.outcome === "coalesced") context.log(metricLine(METRICS.eventsCoalesced, 1));
  return outcome;
}

function describe(outcome: EventOutcome): string {
  switch (outcome.outcome) {
    case "duplicate":
      return "is a duplicate: already processed";
    case "rejected":
      return `rejected (acknowledged, not retried): ${outcome.reason}`;
    case "ignored":
      return `acknowledged: ${outcome.reason}`;
    case "evaluated":
      return `evaluated ${outcome.cluster}: ${outcome.changes} change(s)${outcome.alertId ? `, drift alert ${outcome.alertId}` : ""}${outcome.lifecycleAlertId ? `, lifecycle alert ${outcome.lifecycleAlertId}` : ""}`;
    case "coalesced":
      return `coalesced: ${outcome.cluster} was evaluated from ${outcome.evaluatedThrough}, after this event arrived${outcome.lifecycleAlertId ? `; lifecycle alert ${outcome.lifecycleAlertId}` : ""}`;
    case "closed":
      return `closed ${outcome.cluster} as deleted (${outcome.findingsClosed} finding(s))`;
    case "alerted":
      return `alerted ${outcome.lifecycleAlertIds.length} lifecycle card(s) for ${outcome.clusters.join(", ")}`;
    case "unreadable":
      return `could not read ${outcome.cluster} (acknowledged): ${outcome.reason}`;
  }
}

function firstLine(error: unknown): string {
  const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return (text.split("\n")[0] ?? text).slice(0, 300);
}

app.eventGrid<unknown>("clusterEvents", { handler: clusterEventsHandler });
