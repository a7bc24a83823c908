/**
 * Correlation ids for the logs of one invocation: the invocation id always, and what the trigger's input
 * names (the Event Grid event id and type, the sweep and cluster of a queue message, the caller's request
 * id on HTTP). Written as `key=value` pairs in front of every log line, so that a query over the logs
 * (Application Insights: `traces | where message has "eventId=..."`) finds everything an event caused.
 * Only ids are taken: never bodies, headers with secrets, or tokens.
 */
export type Correlation = Record<string, string>;

const MAX_VALUE = 200;
const SAFE = /[^\w.:/@~-]/g;

/** The ids of one invocation; `input` is the trigger's first input, whatever its shape. */
export function correlationOf(invocationId: string, triggerType: string, input: unknown): Correlation {
  const ids: Correlation = { invocationId: clean(invocationId) };
  const add = (key: string, value: unknown) => {
    if (typeof value === "string" && value !== "") ids[key] = clean(value);
  };
  if (/eventgrid/i.test(triggerType) && isRecord(input)) {
    add("eventId", input.id);
    add("eventType", input.eventType ?? input.type);
  } else if (/queue/i.test(triggerType)) {
    const message = typeof input === "string" ? parseJson(input) : input;
    if (isRecord(message)) {
      add("sweepId", message.sweepId);
      add("clusterId", message.clusterId);
    }
  } else if (/http/i.test(triggerType) && isRecord(input) && hasHeaders(input)) {
    add("requestId", input.headers.get("x-ms-client-request-id") ?? input.headers.get("x-request-id") ?? undefined);
    add("traceparent", input.headers.get("traceparent") ?? undefined);
  }
  return ids;
}

/** `[invocationId=… eventId=…]`: the prefix of every log line of the invocation. */
export function formatCorrelation(ids: Correlation): string {
  return `[${Object.entries(ids)
    .map(([key, value]) => `${key}=${value}`)
    .join(" ")}]`;
}

function clean(value: string): string {
  return value.slice(0, MAX_VALUE).replace(SAFE, "_");
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null;
}

function hasHeaders(value: Record<string, unknown>): value is { headers: { get(name: string): string | null } } {
  return isRecord(value.headers) && typeof (value.headers as { get?: unknown }).get === "function";
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
