/**
 * One POST of a Teams message to a Teams Workflows webhook (the trigger "When a Teams webhook request is
 * received"), and what its answer means for the sender:
 * - `sent`: any 2xx. Workflows answer 202 Accepted: the flow took the request, not that its run posted the
 *   card (a run that fails later shows only in the flow's run history);
 * - `retry`: throttled (429), a 5xx, a 408, a timeout or a failed connection; `retryAfterMs` when the answer
 *   said `Retry-After`;
 * - `reject`: any other answer (400 invalid card, 401/403/404 a wrong or revoked URL, 413 too large, a
 *   redirect): sending the same message again would fail again.
 *
 * The webhook URL is a secret (the `sig` in its query signs the request): no error text holds it. Errors
 * name the status and the host, plus the first 200 characters of the answer's body with every part of the
 * URL scrubbed out. Log URLs with `redactUrl`.
 *
 * Node's global fetch, no dependency. One attempt per call: retrying, backoff and pacing belong to the
 * caller (the outbox delivery loop, `pacer.ts`, `../backoff.ts`).
 */
import type { TeamsMessage } from "./cards/adaptiveCard.js";
import { parseRetryAfter } from "../backoff.js";

/** Teams refuses messages over 28 KB (HTTP 413, "Request Entity too large"); cards aim for 20 KB. */
export const TEAMS_MESSAGE_LIMIT_BYTES = 28 * 1024;

/** How much of an answer's body an error keeps. */
const BODY_EXCERPT = 200;

export type SendResult =
  | { kind: "sent"; status: number }
  /** Try again later: after `retryAfterMs` when the answer said so, else after a backoff. `status` is absent for timeouts and connection failures. */
  | { kind: "retry"; status?: number; retryAfterMs?: number; error: string }
  /** A permanent failure: do not send this message to this URL again. */
  | { kind: "reject"; status?: number; error: string };

export interface PostOptions {
  /** The timeout of the whole attempt (connection, request, answer body). */
  timeoutMs: number;
  /** Replaces the global fetch (tests). */
  fetch?: typeof fetch;
  /** Cancels the attempt (shutdown); the result is then a `retry`. */
  signal?: AbortSignal;
}

/** POSTs a Teams message to a webhook; never throws, never returns the URL in an error. */
export async function postToWebhook(url: string, message: TeamsMessage, options: PostOptions): Promise<SendResult> {
  let target: URL;
  try {
    target = new URL(url);
  } catch {
    return { kind: "reject", error: "the webhook URL is not a valid URL" };
  }
  const host = target.host;
  const scrub = scrubberFor(url, target);
  const timeout = AbortSignal.timeout(options.timeoutMs);
  const signal = options.signal ? AbortSignal.any([timeout, options.signal]) : timeout;
  const doFetch = options.fetch ?? fetch;

  let status: number;
  let headers: Headers;
  let text: string;
  try {
    const response = await doFetch(target, {
      method: "POST",
      // Without a charset Teams has been seen to count the limit differently (fixtures/teams/README.md).
      headers: { "content-type": "application/json; charset=utf-8" },
      body: JSON.stringify(message),
      signal,
      // A webhook does not redirect; following one would POST the card somewhere unexpected.
      redirect: "manual",
    });
    status = response.status;
    headers = response.headers;
    text = await response.text();
  } catch (error) {
    if (timeout.aborted) return { kind: "retry", error: `no answer from ${host} within ${options.timeoutMs} ms` };
    if (options.signal?.aborted) return { kind: "retry", error: `the send to ${host} was cancelled` };
    return { kind: "retry", error: `could not reach ${host}: ${networkReason(error, scrub)}` };
  }

  const excerpt = bodyExcerpt(text, scrub);
  const describe = (what: string) => `${what} from ${host}${excerpt ? `: ${excerpt}` : ""}`;
  const retryAfterMs = parseRetryAfter(headers.get("retry-after"));
  const retry = (error: string): SendResult =>
    retryAfterMs === undefined ? { kind: "retry", status, error } : { kind: "retry", status, retryAfterMs, error };

  if (status >= 200 && status < 300) return { kind: "sent", status };
  if (isTransient(status)) return retry(describe(`HTTP ${status}`));
  return { kind: "reject", status, error: describe(`HTTP ${status}`) };
}

/** Throttling, a server failure or a request timeout: the same message may well succeed later. */
function isTransient(status: number): boolean {
  return status === 429 || status === 408 || status >= 500;
}

/** The URL for logs: scheme, host and path, without query (a Workflows URL's `sig`), fragment or credentials. */
export function redactUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return "<invalid url>";
  }
  return `${parsed.protocol}//${parsed.host}${parsed.pathname}`;
}

type Scrub = (text: string) => string;

/** Removes from a text everything of the URL that could be secret: the URL itself, its query, path and parameter values. */
function scrubberFor(url: string, parsed: URL): Scrub {
  const secrets = new Set<string>([url, parsed.href, parsed.search.slice(1), parsed.pathname]);
  for (const [, value] of parsed.searchParams) secrets.add(value);
  for (const raw of parsed.search.slice(1).split("&")) secrets.add(raw.slice(raw.indexOf("=") + 1));
  for (const segment of parsed.pathname.split("/")) if (segment.length >= 16) secrets.add(segment);
  for (const value of [...secrets]) {
    try {
      secrets.add(decodeURIComponent(value));
    } catch {
      // not percent-encoded
    }
  }
  // Longest first, so that a part is never left behind by a shorter match inside it; skip trivial ones.
  const ordered = [...secrets].filter((value) => value.length >= 4 && value !== "/").sort((a, b) => b.length - a.length);
  return (text) => ordered.reduce((out, secret) => out.split(secret).join("…"), text);
}

function bodyExcerpt(text: string, scrub: Scrub): string {
  // Scrub before cutting: a secret cut in two at the 200th character would no longer match.
  return scrub(text.replace(/\s+/g, " ").trim()).slice(0, BODY_EXCERPT);
}

/** Why a connection failed, from fetch's `TypeError("fetch failed")` and its cause: codes, not messages that may quote the URL. */
function networkReason(error: unknown, scrub: Scrub): string {
  const cause = (error as { cause?: unknown })?.cause;
  for (const candidate of [cause, error]) {
    const code = (candidate as { code?: unknown })?.code;
    if (typeof code === "string" && code) return code;
  }
  const message = cause instanceof Error ? cause.message : error instanceof Error ? error.message : String(error);
  return scrub(message).slice(0, BODY_EXCERPT);
}
