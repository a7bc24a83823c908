/**
 * The request and response objects `TeamsAdapter.process` (botbuilder's CloudAdapter) works with, built
 * from plain values so that any HTTP host can use them: the Azure Functions handler (issue 5) turns its
 * `HttpRequest` into a `BotRequest` and the recorded response into its `HttpResponseInit`. No
 * @azure/functions and no botbuilder here (the shapes are botbuilder's `Request` and `Response`).
 *
 * CloudAdapter answers through the response only: `status(code)`, then `send(body)` when there is a
 * body (an invoke response, an error text), then `end()`. It reads `req.method`, `req.body` (already
 * parsed: an object, or it answers 400) and `req.headers.authorization` (lower-case).
 */

/** botbuilder's `Request`: method, lower-cased headers, the parsed JSON body. */
export interface BotRequest {
  method: string;
  headers: Record<string, string | undefined>;
  body?: Record<string, unknown>;
}

/** What the host gives: its method, its headers (a `Headers`, pairs or a record) and its parsed body. */
export interface PlainRequest {
  method: string;
  headers: Iterable<[string, string]> | Record<string, string | string[] | undefined>;
  /** The JSON body, parsed; anything but an object makes the adapter answer 400. */
  body: unknown;
}

export function botRequest(request: PlainRequest): BotRequest {
  const headers: Record<string, string | undefined> = {};
  const entries: Iterable<[string, unknown]> =
    Symbol.iterator in request.headers ? (request.headers as Iterable<[string, string]>) : Object.entries(request.headers);
  for (const [name, value] of entries) {
    if (value === undefined) continue;
    headers[name.toLowerCase()] = Array.isArray(value) ? value.join(", ") : String(value);
  }
  const body = typeof request.body === "object" && request.body !== null && !Array.isArray(request.body) ? (request.body as Record<string, unknown>) : undefined;
  return { method: request.method.toUpperCase(), headers, ...(body ? { body } : {}) };
}

/** The answer as plain values, for the host to return. */
export interface BotHttpResult {
  status: number;
  headers: Record<string, string>;
  /** An object for a JSON answer (invoke responses), a string for a text one, absent when empty. */
  body?: unknown;
}

/** botbuilder's `Response`, recording what the adapter answers. */
export interface BotResponse {
  socket: unknown;
  status(code: number): BotResponse;
  header(name: string, value: unknown): BotResponse;
  send(body?: unknown): BotResponse;
  end(...args: unknown[]): BotResponse;
  /** True once `end()` was called. */
  readonly ended: boolean;
  /** What was answered so far (200 with no body before the adapter said anything). */
  result(): BotHttpResult;
}

export function botResponse(): BotResponse {
  let status = 200;
  const headers: Record<string, string> = {};
  let body: unknown;
  let ended = false;
  const response: BotResponse = {
    socket: undefined,
    status(code) {
      status = code;
      return response;
    },
    header(name, value) {
      headers[name.toLowerCase()] = String(value);
      return response;
    },
    send(value) {
      if (value !== undefined) body = value;
      return response;
    },
    end() {
      ended = true;
      return response;
    },
    get ended() {
      return ended;
    },
    result() {
      const out: BotHttpResult = { status, headers: { ...headers } };
      if (body !== undefined && body !== null && body !== "") out.body = body;
      if (out.body !== undefined && typeof out.body !== "string" && !headers["content-type"]) {
        out.headers["content-type"] = "application/json; charset=utf-8";
      }
      return out;
    },
  };
  return response;
}
