/**
 * What a failed Table Storage call says. `@azure/data-tables` puts the HTTP status in `statusCode` and
 * the service's code in `details.odataError.code` (`code` is undefined), except for transactions,
 * whose sub-response error arrives as `code` (e.g. "EntityAlreadyExists") with no `details`.
 */
export interface StorageFailure {
  status?: number;
  code?: string;
  message: string;
}

export function storageFailure(error: unknown): StorageFailure {
  if (typeof error !== "object" || error === null) return { message: String(error) };
  if (error instanceof StoreError) {
    return { ...(error.status !== undefined ? { status: error.status } : {}), ...(error.code ? { code: error.code } : {}), message: error.message };
  }
  const e = error as { statusCode?: unknown; code?: unknown; message?: unknown; details?: { odataError?: { code?: unknown; message?: { value?: unknown } } } };
  const odata = e.details?.odataError;
  const code = typeof e.code === "string" && e.code !== "" ? e.code : typeof odata?.code === "string" && odata.code !== "" ? odata.code : undefined;
  const raw = typeof odata?.message?.value === "string" ? odata.message.value : typeof e.message === "string" ? e.message : "";
  return {
    ...(typeof e.statusCode === "number" ? { status: e.statusCode } : {}),
    ...(code ? { code } : {}),
    message: firstLine(raw),
  };
}

/** The service message without its RequestId/Time lines; a raw JSON body is reduced to its message. */
function firstLine(message: string): string {
  let text = message;
  if (text.startsWith("{")) {
    try {
      const body = JSON.parse(text) as { "odata.error"?: { message?: { value?: string } } };
      text = body["odata.error"]?.message?.value ?? text;
    } catch {
      // not JSON after all
    }
  }
  return (text.split("\n")[0] ?? "").slice(0, 300);
}

export function hasStatus(error: unknown, ...statuses: number[]): boolean {
  const { status } = storageFailure(error);
  return status !== undefined && statuses.includes(status);
}

/**
 * An unexpected storage failure, safe to log: status, service code and the service's one-line message.
 * The SDK's RestError is not kept as the cause because it carries the request (a SAS connection
 * string puts its signature in the URL).
 */
export class StoreError extends Error {
  override name = "StoreError";
  readonly status?: number;
  readonly code?: string;

  constructor(operation: string, error: unknown) {
    const failure = storageFailure(error);
    const what = [failure.status, failure.code].filter((part) => part !== undefined).join(" ");
    super(`Table Storage ${operation} failed${what ? ` (${what})` : ""}: ${failure.message || "no message"}`);
    if (failure.status !== undefined) this.status = failure.status;
    if (failure.code !== undefined) this.code = failure.code;
  }
}
