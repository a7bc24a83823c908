/**
 * One metric per outcome an SRE watches, written as a log line through the Functions host's own logging
 * (which sends it to Application Insights as a trace): `metric aksmon.alerts.sent=3 channel=webhook`.
 * The Azure Monitor OpenTelemetry distro would send real metrics, but it adds ~390 ms to a cold start
 * (measured side by side with the package, README "Telemetry"), twice the whole app's budget.
 *
 * In Application Insights (Logs):
 *   traces | where message has "metric aksmon."
 *   | extend metric = extract(@"metric (aksmon\.[\w.]+)=", 1, message),
 *            value = toreal(extract(@"metric aksmon\.[\w.]+=([0-9.]+)", 1, message))
 *   | summarize sum(value) by metric, bin(timestamp, 5m)
 */
export const METRICS = {
  /** An evaluation of a cluster, by source (event, sweep, recheck) and outcome (evaluated, unreadable, gone). */
  evaluations: "aksmon.evaluations",
  /** An Event Grid event, by outcome (evaluated, coalesced, duplicate, ignored, rejected, ...). */
  events: "aksmon.events",
  /** An event whose cluster was already evaluated from a later state: no second read. */
  eventsCoalesced: "aksmon.events.coalesced",
  /** Cards a delivery round posted. */
  alertsSent: "aksmon.alerts.sent",
  /** Alerts still in the outbox after a delivery round (a gauge): due later, or retrying. */
  alertsWaiting: "aksmon.alerts.waiting",
  /** Alerts a delivery round gave up on. */
  alertsDead: "aksmon.alerts.dead",
} as const;

export type MetricName = (typeof METRICS)[keyof typeof METRICS];

const DIMENSION = /^[a-z][\w-]{0,39}$/i;

/** The log line of one metric; dimension values are cut to a word so that a line cannot fake another. */
export function metricLine(name: MetricName, value: number, dimensions: Record<string, string> = {}): string {
  if (!Number.isFinite(value) || value < 0) throw new RangeError(`metric ${name}: ${value} is not a count`);
  const pairs = Object.entries(dimensions).map(([key, raw]) => {
    if (!DIMENSION.test(key)) throw new RangeError(`metric ${name}: bad dimension name ${key}`);
    return `${key}=${raw.replace(/[^\w.:/-]/g, "_").slice(0, 80)}`;
  });
  return [`metric ${name}=${value}`, ...pairs].join(" ");
}
