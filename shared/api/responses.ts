/**
 * The HTTP functions' answers as plain values (structurally an `HttpResponseInit` of @azure/functions,
 * which nothing in shared/ imports): JSON bodies, and errors as `{ error: { code, message } }`.
 */
export interface ApiResponse {
  status: number;
  jsonBody?: unknown;
  headers?: Record<string, string>;
}

export function json(status: number, body: unknown, headers: Record<string, string> = {}): ApiResponse {
  return { status, jsonBody: body, headers: { "cache-control": "no-store", ...headers } };
}

export interface ApiError {
  error: { code: string; message: string; parameter?: string };
}

export function problem(status: number, code: string, message: string, options: { parameter?: string; headers?: Record<string, string> } = {}): ApiResponse {
  const body: ApiError = { error: { code, message, ...(options.parameter ? { parameter: options.parameter } : {}) } };
  return json(status, body, options.headers);
}

/** The answer to a method the route does not serve. */
export function methodNotAllowed(method: string, allowed: readonly string[]): ApiResponse {
  return problem(405, "MethodNotAllowed", `${method.toUpperCase()} is not supported here; use ${allowed.join(", ")}`, {
    headers: { allow: allowed.join(", ") },
  });
}
