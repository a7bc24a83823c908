/**
 * A local Teams webhook (the Workflows trigger "When a Teams webhook request is received"), over HTTPS
 * with the test certificate (trusted through NODE_EXTRA_CA_CERTS, like the ARM server).
 *
 * Every POST is checked the way Teams checks it: the right path and `sig` (404 / 401), the size (413 over
 * 28 KB, UTF-8 bytes), the envelope (`type: "message"`, one attachment of contentType
 * application/vnd.microsoft.card.adaptive; 400) and the card against the Adaptive Card 1.4 schema, the
 * version Workflows renders (400 with the validation errors; ./adaptiveCardSchema.ts). A valid message is
 * answered 202 Accepted, as Workflows do.
 *
 * Tests script the answers that come next (`script`), or take the whole webhook down (`down`: 503 until
 * `up`). `attempts` records every request; `received` only the cards accepted (answered 2xx with the
 * connection still open: a card whose sender gave up waiting is recorded as `abandoned`, not received.
 * Real Teams may still post such a card, so a timeout means "maybe sent" to a sender).
 */
import { randomBytes } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { adaptiveCardValidator } from "./adaptiveCardSchema.js";
import { listenHttps } from "./httpsServer.js";

export const WEBHOOK_PATH = "/workflows/abc/triggers/manual/paths/invoke";
export const ADAPTIVE_CARD = "application/vnd.microsoft.card.adaptive";

/** One scripted answer, used by the next POST (not by those answered 503 while down). */
export interface ScriptedAnswer {
  /** Answered before anything is checked, unless 2xx (then the card is checked and recorded). Default: the normal answer (202, or 400/413 for a bad message). */
  status?: number;
  /** The answer body; default a JSON error for non-2xx, empty for 202. */
  body?: string;
  /** Sets `Retry-After: <seconds>`. */
  retryAfterSeconds?: number;
  /** Sets `Retry-After` verbatim (an HTTP date, a bad value). */
  retryAfter?: string;
  headers?: Record<string, string>;
  /** Waits this long before answering (the sender's timeout); a sender that gave up is recorded `abandoned`. */
  delayMs?: number;
  /** Destroys the connection without an answer. */
  hangUp?: boolean;
}

export type AttemptOutcome = "accepted" | "rejected" | "scripted" | "down" | "abandoned" | "hungUp";

export interface Attempt {
  /** `Date.now()` when the request's body had arrived. */
  at: number;
  method: string;
  path: string;
  /** The query string, `?` included: the secret signature is in it. */
  query: string;
  bytes: number;
  status?: number;
  outcome: AttemptOutcome;
  /** Why it was rejected (400, 401, 404, 405, 413). */
  error?: string;
}

export interface ReceivedCard {
  at: number;
  path: string;
  bytes: number;
  message: { type: "message"; attachments: Array<{ contentType: string; content: Record<string, any> }> };
  card: Record<string, any>;
}

export interface TeamsReceiverOptions {
  /** A schema file (JSON Schema draft-06) to check cards against as it is, instead of the Adaptive Card 1.4 schema. */
  schemaPath?: string;
  /** The size limit; default 28 KB (28,672 bytes). */
  maxBytes?: number;
}

export interface TeamsReceiver {
  /** The webhook URL, with a secret-looking query: `https://127.0.0.1:<port>/workflows/abc/triggers/manual/paths/invoke?…&sig=<secret>`. */
  url: string;
  /** `https://127.0.0.1:<port>` */
  origin: string;
  /** The `sig` value in `url`. */
  secret: string;
  /** Cards accepted, in order. */
  received: ReceivedCard[];
  /** Every request, in order. */
  attempts: Attempt[];
  /** Queues answers for the next requests; after them, the normal answer. */
  script(answers: ScriptedAnswer[]): void;
  /** 503 Service Unavailable for every request until `up()`. */
  down(options?: { retryAfterSeconds?: number }): void;
  up(): void;
  /** Resolves when `received` holds at least `count` cards. */
  waitForReceived(count: number, timeoutMs?: number): Promise<ReceivedCard[]>;
  /** Forgets recordings and the script; comes up. */
  reset(): void;
  /** Validates a card the way the receiver does: undefined when valid, else the errors. */
  validateCard(card: unknown): string | undefined;
  close(): Promise<void>;
}

export async function startTeamsReceiver(options: TeamsReceiverOptions = {}): Promise<TeamsReceiver> {
  const validateCard = adaptiveCardValidator(options.schemaPath === undefined ? "1.4" : { file: options.schemaPath });
  const maxBytes = options.maxBytes ?? 28 * 1024;
  const secret = randomBytes(18).toString("base64url");
  const received: ReceivedCard[] = [];
  const attempts: Attempt[] = [];
  let queue: ScriptedAnswer[] = [];
  let isDown: { retryAfterSeconds?: number } | undefined;
  let waiters: Array<{ count: number; resolve: () => void }> = [];

  const notify = () => {
    waiters = waiters.filter((waiter) => {
      if (received.length < waiter.count) return true;
      waiter.resolve();
      return false;
    });
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    // The sender gave up (its timeout) before the answer was written.
    let gone = false;
    res.on("close", () => {
      if (!res.writableFinished) gone = true;
    });
    const raw = await readRaw(req);
    const url = new URL(req.url ?? "/", "https://127.0.0.1");
    const attempt: Attempt = {
      at: Date.now(),
      method: req.method ?? "",
      path: url.pathname,
      query: url.search,
      bytes: raw.length,
      outcome: "rejected",
    };
    attempts.push(attempt);
    const answer = (status: number, body: string, headers: Record<string, string> = {}) => {
      attempt.status = status;
      if (res.destroyed || res.writableEnded) return;
      res.writeHead(status, {
        "content-type": body.startsWith("{") ? "application/json; charset=utf-8" : "text/plain; charset=utf-8",
        ...headers,
        "content-length": String(Buffer.byteLength(body)),
      });
      res.end(body);
    };
    const reject = (status: number, code: string, message: string) => {
      attempt.outcome = "rejected";
      attempt.error = message;
      answer(status, errorBody(code, message));
    };

    if (isDown) {
      attempt.outcome = "down";
      answer(503, errorBody("ServiceUnavailable", "The service is unavailable."), retryAfterHeader(isDown));
      return;
    }
    const scripted = queue.shift();
    if (scripted?.delayMs) {
      await new Promise((resolve) => setTimeout(resolve, scripted.delayMs));
      if (gone || res.destroyed) {
        attempt.outcome = "abandoned";
        return;
      }
    }
    if (scripted?.hangUp) {
      attempt.outcome = "hungUp";
      req.socket.destroy();
      return;
    }
    const headers = { ...retryAfterHeader(scripted ?? {}), ...scripted?.headers };
    const scriptedStatus = scripted?.status;
    const acceptsCard = scriptedStatus === undefined || (scriptedStatus >= 200 && scriptedStatus < 300);
    if (!acceptsCard) {
      attempt.outcome = "scripted";
      answer(scriptedStatus!, scripted?.body ?? errorBody(`Http${scriptedStatus}`, `Scripted answer ${scriptedStatus}.`), headers);
      return;
    }

    if (req.method !== "POST") return reject(405, "MethodNotAllowed", `The method ${req.method} is not allowed.`);
    if (url.pathname !== WEBHOOK_PATH) return reject(404, "NotFound", "No workflow trigger at this path.");
    if (url.searchParams.get("sig") !== secret) {
      return reject(401, "DirectApiAuthorizationRequired", "The request must be authenticated with a valid signature (sig).");
    }
    if (raw.length > maxBytes) return reject(413, "RequestEntityTooLarge", `Request Entity too large: ${raw.length} bytes, the limit is ${maxBytes}.`);
    let message: any;
    try {
      message = JSON.parse(raw.toString("utf8"));
    } catch {
      return reject(400, "InvalidRequestContent", "The request content is not valid JSON.");
    }
    const envelopeError = checkEnvelope(message);
    if (envelopeError) return reject(400, "InvalidMessage", envelopeError);
    const card = message.attachments[0].content;
    const cardError = validateCard(card);
    if (cardError) return reject(400, "InvalidAdaptiveCard", cardError);

    if (gone || res.destroyed) {
      attempt.outcome = "abandoned";
      return;
    }
    attempt.outcome = "accepted";
    received.push({ at: attempt.at, path: url.pathname, bytes: raw.length, message, card });
    answer(scriptedStatus ?? 202, scripted?.body ?? "", headers);
    notify();
  };

  const listening = await listenHttps((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent && !res.destroyed) {
        res.writeHead(500, { "content-type": "text/plain" });
        res.end(String(error));
      }
    });
  });

  const query = `api-version=2016-06-01&sp=%2Ftriggers%2Fmanual%2Frun&sv=1.0&sig=${secret}`;
  return {
    url: `${listening.url}${WEBHOOK_PATH}?${query}`,
    origin: listening.url,
    secret,
    received,
    attempts,
    script(answers) {
      queue.push(...answers);
    },
    down(downOptions = {}) {
      isDown = downOptions;
    },
    up() {
      isDown = undefined;
    },
    waitForReceived(count, timeoutMs = 10_000) {
      if (received.length >= count) return Promise.resolve(received);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`the Teams receiver got ${received.length} of ${count} cards within ${timeoutMs} ms`)),
          timeoutMs,
        );
        waiters.push({
          count,
          resolve: () => {
            clearTimeout(timer);
            resolve(received);
          },
        });
      });
    },
    reset() {
      received.length = 0;
      attempts.length = 0;
      queue = [];
      isDown = undefined;
    },
    validateCard,
    close: listening.close,
  };
}

function checkEnvelope(message: any): string | undefined {
  if (typeof message !== "object" || message === null || Array.isArray(message)) return "The message must be a JSON object.";
  if (message.type !== "message") return `The message type must be "message", not ${JSON.stringify(message.type)}.`;
  if (!Array.isArray(message.attachments)) return "The message must have an attachments array.";
  if (message.attachments.length !== 1) return `The message must carry one attachment, not ${message.attachments.length}.`;
  const [attachment] = message.attachments;
  if (attachment?.contentType !== ADAPTIVE_CARD) {
    return `The attachment contentType must be ${ADAPTIVE_CARD}, not ${JSON.stringify(attachment?.contentType)}.`;
  }
  if (typeof attachment.content !== "object" || attachment.content === null) return "The attachment has no card content.";
  return undefined;
}

function errorBody(code: string, message: string): string {
  return JSON.stringify({ error: { code, message } });
}

function retryAfterHeader(answer: { retryAfterSeconds?: number; retryAfter?: string }): Record<string, string> {
  if (answer.retryAfter !== undefined) return { "retry-after": answer.retryAfter };
  if (answer.retryAfterSeconds !== undefined) return { "retry-after": String(answer.retryAfterSeconds) };
  return {};
}

function readRaw(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => resolve(Buffer.concat(chunks)));
    req.on("error", reject);
  });
}
