import type { ReadError, ReadResult } from "../../model/snapshot.js";

/**
 * What went wrong with an ARM read, as the snapshot records it: 403, 404, throttled, timeout or
 * unavailable, with ARM's error code and message (never headers or tokens).
 */
export function readErrorOf(error: unknown): ReadError {
  const { statusCode, code, name, message, details } = error as {
    statusCode?: number;
    code?: string;
    name?: string;
    message?: string;
    details?: { error?: { code?: string; message?: string } };
  };
  const armCode = details?.error?.code ?? code;
  const armMessage = firstLine(details?.error?.message ?? message ?? String(error));
  const text = armCode && !armMessage.startsWith(armCode) ? `${armCode}: ${armMessage}` : armMessage;
  const base = statusCode === undefined ? {} : { status: statusCode };
  if (statusCode === 401 || statusCode === 403) return { kind: "forbidden", ...base, message: text };
  if (statusCode === 404) return { kind: "notFound", ...base, message: text };
  if (statusCode === 429) return { kind: "throttled", ...base, message: text };
  if (name === "AbortError" || name === "TimeoutError" || /timed? ?out/i.test(message ?? "")) {
    return { kind: "timeout", ...base, message: text };
  }
  if (statusCode !== undefined && statusCode >= 500) return { kind: "unavailable", ...base, message: text };
  if (statusCode === undefined) return { kind: "unavailable", message: text };
  return { kind: "invalid", ...base, message: text };
}

/** Runs a read and records its failure instead of throwing. */
export async function attempt<T>(read: () => Promise<T>): Promise<ReadResult<T>> {
  try {
    return { ok: true, value: await read() };
  } catch (error) {
    return { ok: false, error: readErrorOf(error) };
  }
}

function firstLine(text: string): string {
  const line = text.split("\n")[0] ?? text;
  return line.length > 300 ? `${line.slice(0, 299)}…` : line;
}
