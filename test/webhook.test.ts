/**
 * The Teams webhook client (`shared/alerts/webhook.ts`), the pacer (`shared/alerts/pacer.ts`) and the
 * backoff helper (`shared/backoff.ts`), against the local Teams receiver (`test/support/teamsReceiver.ts`),
 * which is itself proven here: it validates envelope, size and schema the way Teams does.
 */
import { createServer } from "node:net";
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { backoffMs, parseRetryAfter } from "../shared/backoff.js";
import { Pacer, TEAMS_CONNECTOR_WINDOWS, type PacerClock } from "../shared/alerts/pacer.js";
import { messageBytes, teamsMessage, type AdaptiveCard, type TeamsMessage } from "../shared/alerts/cards/index.js";
import { postToWebhook, redactUrl, type SendResult } from "../shared/alerts/webhook.js";
import { WEBHOOK_PATH, startTeamsReceiver, type TeamsReceiver } from "./support/teamsReceiver.js";

const card = {
  type: "AdaptiveCard",
  $schema: "http://adaptivecards.io/schemas/adaptive-card.json",
  version: "1.4",
  body: [
    { type: "TextBlock", text: "aks-prod-1: 2 new failures", weight: "Bolder", size: "Medium", wrap: true },
    { type: "FactSet", facts: [{ title: "Cluster", value: "aks-prod-1" }, { title: "Changed by", value: "alice@contoso.com" }] },
  ],
  actions: [{ type: "Action.OpenUrl", title: "Open in the portal", url: "https://portal.azure.com/#resource/x" }],
};
const message = teamsMessage(card as AdaptiveCard);

let receiver: TeamsReceiver;
/** Every result of every test: none may hold the secret (checked at the end). */
const results: SendResult[] = [];

async function send(url: string, body: TeamsMessage = message, timeoutMs = 5_000): Promise<SendResult> {
  const result = await postToWebhook(url, body, { timeoutMs });
  results.push(result);
  return result;
}

function expectNoSecret(value: unknown): void {
  const text = JSON.stringify(value);
  expect(text).not.toContain(receiver.secret);
  expect(text).not.toContain(new URL(receiver.url).search.slice(1));
  expect(text).not.toContain(decodeURIComponent(new URL(receiver.url).search.slice(1)));
}

async function refusedUrl(): Promise<string> {
  const port = await new Promise<number>((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const free = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(free));
    });
  });
  return `https://127.0.0.1:${port}${WEBHOOK_PATH}?sig=${receiver.secret}`;
}

beforeAll(async () => {
  receiver = await startTeamsReceiver();
});
afterAll(async () => {
  await receiver?.close();
});
beforeEach(() => receiver.reset());

describe("postToWebhook: every answer kind, against the local receiver", () => {
  it("202 Accepted (Workflows): sent, and the receiver has the card", async () => {
    expect(await send(receiver.url)).toEqual({ kind: "sent", status: 202 });
    expect(receiver.received).toHaveLength(1);
    expect(receiver.received[0]!.card).toEqual(card);
    expect(receiver.attempts[0]).toMatchObject({ method: "POST", path: WEBHOOK_PATH, outcome: "accepted", status: 202 });
  });

  it("429 with Retry-After in seconds: retry after that long", async () => {
    receiver.script([{ status: 429, retryAfterSeconds: 7 }]);
    expect(await send(receiver.url)).toMatchObject({ kind: "retry", status: 429, retryAfterMs: 7_000 });
  });

  it("429 with Retry-After as an HTTP date: retry at that date", async () => {
    receiver.script([{ status: 429, retryAfter: new Date(Date.now() + 5_000).toUTCString() }]);
    const result = await send(receiver.url);
    expect(result).toMatchObject({ kind: "retry", status: 429 });
    // HTTP dates have whole seconds.
    const wait = result.kind === "retry" ? result.retryAfterMs : undefined;
    expect(wait).toBeGreaterThan(3_000);
    expect(wait).toBeLessThanOrEqual(5_000);
  });

  it("429 without Retry-After, or with an unreadable one: retry, the caller backs off", async () => {
    receiver.script([{ status: 429 }, { status: 429, retryAfter: "soon" }]);
    for (let i = 0; i < 2; i++) {
      const result = await send(receiver.url);
      expect(result).toMatchObject({ kind: "retry", status: 429 });
      expect(result).not.toHaveProperty("retryAfterMs");
    }
  });

  it("500, 502, 408: retry", async () => {
    receiver.script([{ status: 500 }, { status: 502 }, { status: 408 }]);
    for (const status of [500, 502, 408]) expect(await send(receiver.url)).toMatchObject({ kind: "retry", status });
  });

  it("503 while the webhook is down (with its Retry-After), then sent once it is up", async () => {
    receiver.down({ retryAfterSeconds: 2 });
    expect(await send(receiver.url)).toMatchObject({ kind: "retry", status: 503, retryAfterMs: 2_000 });
    expect(await send(receiver.url)).toMatchObject({ kind: "retry", status: 503 });
    receiver.up();
    expect(await send(receiver.url)).toMatchObject({ kind: "sent" });
    expect(receiver.attempts.map((attempt) => attempt.outcome)).toEqual(["down", "down", "accepted"]);
    expect(receiver.received).toHaveLength(1);
  });

  it("400 for a card that breaks the schema: reject, with the validation error", async () => {
    const broken = teamsMessage({ type: "AdaptiveCard", version: "1.4", body: [{ type: "TextBlock", weight: "Bolder" }] } as unknown as AdaptiveCard);
    const result = await send(receiver.url, broken);
    expect(result).toMatchObject({ kind: "reject", status: 400 });
    expect(result.kind === "reject" && result.error).toMatch(/^HTTP 400 from 127\.0\.0\.1:\d+: .*InvalidAdaptiveCard/);
    expect(receiver.received).toHaveLength(0);
    expect(receiver.attempts[0]).toMatchObject({ outcome: "rejected", status: 400 });
    expect(receiver.attempts[0]!.error).toBe(
      "the card does not match the Adaptive Card 1.4 schema: /body/0 must have required property 'text'",
    );
  });

  it("400 for a card that declares 1.5 or uses a 1.5 element (Workflows renders only 1.4): reject", async () => {
    const declares15 = teamsMessage({ ...card, version: "1.5" } as AdaptiveCard);
    const heading = teamsMessage({ ...card, body: [{ type: "TextBlock", text: "x", style: "heading" }] } as unknown as AdaptiveCard);
    for (const body of [declares15, heading]) expect(await send(receiver.url, body)).toMatchObject({ kind: "reject", status: 400 });
    expect(receiver.attempts.map((attempt) => attempt.error)).toEqual([
      expect.stringContaining('/version "1.5" is not a version of this schema (1.4 or lower)'),
      expect.stringContaining("/body/0 must NOT have additional properties (style)"),
    ]);
    expect(receiver.received).toHaveLength(0);
  });

  it("413 for a message over 28 KB: reject, never retried", async () => {
    const big = teamsMessage({ type: "AdaptiveCard", version: "1.4", body: [{ type: "TextBlock", text: "é".repeat(15_000), wrap: true }] });
    // 15,000 characters but 30,000 UTF-8 bytes: the limit counts bytes.
    expect(messageBytes(big)).toBeGreaterThan(28 * 1024);
    const result = await send(receiver.url, big);
    expect(result).toMatchObject({ kind: "reject", status: 413 });
    expect(result.kind === "reject" && result.error).toMatch(/too large/i);
    expect(receiver.received).toHaveLength(0);
  });

  it("404 (a deleted workflow) and 401 (a wrong signature): reject", async () => {
    expect(await send(`${receiver.origin}/workflows/gone/triggers/manual/paths/invoke?sig=${receiver.secret}`)).toMatchObject({
      kind: "reject",
      status: 404,
    });
    expect(await send(receiver.url.replace(receiver.secret, "wrong"))).toMatchObject({ kind: "reject", status: 401 });
  });

  it("a timeout: retry without a status, and the receiver records the card as abandoned, not received", async () => {
    receiver.script([{ delayMs: 1_500 }]);
    const started = Date.now();
    const result = await send(receiver.url, message, 200);
    expect(Date.now() - started).toBeLessThan(1_200);
    expect(result).toEqual({ kind: "retry", error: expect.stringMatching(/^no answer from 127\.0\.0\.1:\d+ within 200 ms$/) });
    await vi.waitFor(() => expect(receiver.attempts[0]?.outcome).toBe("abandoned"), { timeout: 3_000 });
    expect(receiver.received).toHaveLength(0);
  });

  it("connection refused, and a connection dropped without an answer: retry", async () => {
    const refused = await send(await refusedUrl());
    expect(refused).toEqual({ kind: "retry", error: expect.stringMatching(/^could not reach 127\.0\.0\.1:\d+: ECONNREFUSED$/) });
    receiver.script([{ hangUp: true }]);
    const dropped = await send(receiver.url);
    expect(dropped).toMatchObject({ kind: "retry", error: expect.stringMatching(/^could not reach 127\.0\.0\.1:\d+: /) });
    expect(dropped).not.toHaveProperty("status");
  });

  it("a cancelled send (shutdown): retry", async () => {
    receiver.script([{ delayMs: 1_000 }]);
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);
    const result = await postToWebhook(receiver.url, message, { timeoutMs: 5_000, signal: controller.signal });
    results.push(result);
    expect(result).toEqual({ kind: "retry", error: expect.stringMatching(/cancelled/) });
  });

  it("sends JSON in UTF-8, the Teams envelope, to the whole URL (query included)", async () => {
    const seen: Array<{ url: string; init: RequestInit }> = [];
    const fake = (async (url: URL | string, init?: RequestInit) => {
      seen.push({ url: String(url), init: init! });
      return new Response("", { status: 202 });
    }) as typeof fetch;
    expect(await postToWebhook(receiver.url, message, { timeoutMs: 1_000, fetch: fake })).toEqual({ kind: "sent", status: 202 });
    expect(seen[0]!.url).toBe(receiver.url);
    expect(seen[0]!.init).toMatchObject({ method: "POST", headers: { "content-type": "application/json; charset=utf-8" }, redirect: "manual" });
    expect(JSON.parse(seen[0]!.init.body as string)).toEqual({
      type: "message",
      attachments: [{ contentType: "application/vnd.microsoft.card.adaptive", contentUrl: null, content: card }],
    });
  });

  it("a redirect and an invalid URL: reject", async () => {
    const redirect = (async () => new Response("", { status: 302, headers: { location: "https://elsewhere.example/" } })) as typeof fetch;
    expect(await postToWebhook(receiver.url, message, { timeoutMs: 1_000, fetch: redirect })).toMatchObject({ kind: "reject", status: 302 });
    expect(await postToWebhook("not a url?sig=SECRET", message, { timeoutMs: 1_000 })).toEqual({
      kind: "reject",
      error: "the webhook URL is not a valid URL",
    });
  });
});

describe("the webhook URL is a secret", () => {
  it("an answer that echoes the URL, its query or its signature leaves none of them in the error", async () => {
    const decoded = decodeURIComponent(receiver.url);
    receiver.script([
      { status: 400, body: `{"error":{"message":"bad request to ${receiver.url}"}}` },
      { status: 500, body: `failed: ${decoded} sig=${receiver.secret}` },
      { status: 429, body: `throttled: ${receiver.url}` },
      { status: 404, body: `no trigger ${new URL(receiver.url).search}` },
    ]);
    for (const kind of ["reject", "retry", "retry", "reject"]) {
      const result = await send(receiver.url);
      expect(result.kind).toBe(kind);
      expectNoSecret(result);
      expect(JSON.stringify(result)).not.toContain(WEBHOOK_PATH);
    }
  });

  it("an error keeps the status, the host and at most 200 characters of the body", async () => {
    receiver.script([{ status: 500, body: `${"x".repeat(190)}${receiver.secret}${"y".repeat(500)}` }]);
    const result = await send(receiver.url);
    const host = new URL(receiver.url).host;
    expect(result.kind === "retry" && result.error).toBe(`HTTP 500 from ${host}: ${"x".repeat(190)}…${"y".repeat(9)}`);
  });

  it("redactUrl keeps scheme, host and path; drops query (the sig), fragment and credentials", () => {
    expect(redactUrl(receiver.url)).toBe(`${receiver.origin}${WEBHOOK_PATH}`);
    expectNoSecret(redactUrl(receiver.url));
    expect(
      redactUrl("https://prod-12.westeurope.logic.azure.com:443/workflows/0a1b/triggers/manual/paths/invoke?api-version=2016-06-01&sp=%2Ftriggers&sv=1.0&sig=SECRET#x"),
    ).toBe("https://prod-12.westeurope.logic.azure.com/workflows/0a1b/triggers/manual/paths/invoke");
    expect(
      redactUrl("https://0a1b.environment.api.powerplatform.com:443/powerautomate/automations/direct/workflows/2c3d/triggers/manual/paths/invoke?api-version=1&sp=%2Ftriggers%2Fmanual%2Frun&sv=1.0&sig=SECRET"),
    ).toBe("https://0a1b.environment.api.powerplatform.com/powerautomate/automations/direct/workflows/2c3d/triggers/manual/paths/invoke");
    expect(redactUrl("https://user:pass@example.com/a?sig=SECRET")).toBe("https://example.com/a");
    expect(redactUrl("::not a url?sig=SECRET")).toBe("<invalid url>");
  });

  it("no result of this file held the secret", () => {
    expect(results.length).toBeGreaterThan(20);
    for (const result of results) expectNoSecret(result);
  });
});

describe("the receiver checks what Teams checks", () => {
  it("rejects a card that breaks the Adaptive Card 1.4 schema, and accepts the valid one", () => {
    expect(receiver.validateCard(card)).toBeUndefined();
    const problems = (bad: Record<string, unknown>) =>
      receiver.validateCard(bad)?.replace("the card does not match the Adaptive Card 1.4 schema: ", "");
    expect(problems({ type: "AdaptiveCard", version: "1.4", body: [{ type: "Bogus" }] })).toBe('/body/0/type: unknown element type "Bogus"');
    expect(problems({ ...card, actions: [{ type: "Action.OpenUrl", title: "no url" }] })).toBe("/actions/0 must have required property 'url'");
    expect(problems({ ...card, body: [{ type: "TextBlock", text: "x", color: "Purple" }] })).toMatch(/^\/body\/0\/color must be equal to one of the allowed values \(default, dark, light, accent, good, warning, attention\)/);
    // Nested elements are explained against their own type too.
    expect(
      problems({ ...card, body: [{ type: "Container", items: [{ type: "TextBlock", text: "ok" }, { type: "Image", altText: "no url" }] }] }),
    ).toBe("/body/0/items/1 must have required property 'url'");
    // Teams' own extension property is not in the schema: a card that uses it fails validation.
    expect(problems({ ...card, msteams: { width: "Full" } })).toBe("/ must NOT have additional properties (msteams)");
  });

  it("answers 400 for a wrong envelope: type, attachment count, content type", async () => {
    const attachment = message.attachments[0]!;
    const wrong = [
      { type: "notmessage", attachments: [attachment] },
      { type: "message", attachments: [attachment, attachment] },
      { type: "message", attachments: [] },
      { type: "message", attachments: [{ ...attachment, contentType: "application/json" }] },
    ];
    for (const body of wrong) expect(await send(receiver.url, body as TeamsMessage)).toMatchObject({ kind: "reject", status: 400 });
    expect(receiver.attempts.map((attempt) => attempt.error)).toEqual([
      expect.stringMatching(/type must be "message"/),
      expect.stringMatching(/one attachment, not 2/),
      expect.stringMatching(/one attachment, not 0/),
      expect.stringMatching(/contentType must be application\/vnd\.microsoft\.card\.adaptive/),
    ]);
    expect(receiver.received).toHaveLength(0);
  });

  it("plays a script in order, then answers 202 again; waitForReceived resolves on the card", async () => {
    receiver.script([{ status: 429, retryAfterSeconds: 1 }, { status: 500 }, { status: 504 }]);
    const kinds: string[] = [];
    for (let i = 0; i < 4; i++) kinds.push((await send(receiver.url)).kind);
    expect(kinds).toEqual(["retry", "retry", "retry", "sent"]);
    expect(receiver.attempts.map((attempt) => attempt.status)).toEqual([429, 500, 504, 202]);
    expect(await receiver.waitForReceived(1)).toHaveLength(1);
  });
});

/** A clock whose time moves only when told; sleeps are timers run in time order. */
class FakeClock implements PacerClock {
  time = 1_000_000;
  sleeps = 0;
  private timers: Array<{ at: number; resolve: () => void }> = [];

  now(): number {
    return this.time;
  }

  sleep(ms: number): Promise<void> {
    this.sleeps++;
    return new Promise((resolve) => this.timers.push({ at: this.time + ms, resolve }));
  }

  async advance(ms: number): Promise<void> {
    const end = this.time + ms;
    for (;;) {
      await settle();
      this.timers.sort((a, b) => a.at - b.at);
      const next = this.timers[0];
      if (!next || next.at > end) break;
      this.timers.shift();
      this.time = next.at;
      next.resolve();
    }
    this.time = end;
    await settle();
  }
}

const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

/** The most sends seen in any interval of `perMs` (half-open, as the pacer counts). */
function busiest(times: number[], perMs: number): number {
  let most = 0;
  for (let i = 0; i < times.length; i++) {
    let j = i;
    while (j < times.length && times[j]! < times[i]! + perMs) j++;
    most = Math.max(most, j - i);
  }
  return most;
}

describe("Pacer", () => {
  it("keeps to 4 per second and 60 per 30 seconds (fake clock): 130 concurrent senders", async () => {
    const clock = new FakeClock();
    const pacer = new Pacer({ clock });
    const start = clock.now();
    const times: number[] = [];
    const all = Array.from({ length: 130 }, () => pacer.wait("hook").then(() => times.push(clock.now() - start)));
    await clock.advance(120_000);
    await Promise.all(all);
    expect(times).toHaveLength(130);
    expect(times).toEqual([...times].sort((a, b) => a - b));
    expect(busiest(times, 1_000)).toBe(4);
    expect(busiest(times, 30_000)).toBe(60);
    // As fast as the windows allow: 4 a second for 15 s, then nothing until the first send leaves the 30 s window.
    expect(times.slice(0, 8)).toEqual([0, 0, 0, 0, 1_000, 1_000, 1_000, 1_000]);
    expect(times[59]).toBe(14_000);
    expect(times[60]).toBe(30_000);
    expect(times[64]).toBe(31_000);
    expect(times[120]).toBe(60_000);
    // One timer per waiting sender, no polling.
    expect(clock.sleeps).toBe(126);
  });

  it("counts sends made over time, not only bursts (sequential senders on a fake clock)", async () => {
    const clock = new FakeClock();
    const pacer = new Pacer({ clock, windows: [{ limit: 2, perMs: 1_000 }] });
    const times: number[] = [];
    const run = (async () => {
      for (let i = 0; i < 5; i++) {
        await pacer.wait("hook");
        times.push(clock.now());
        await clock.sleep(300);
      }
    })();
    await clock.advance(10_000);
    await run;
    const t0 = times[0]!;
    expect(times.map((t) => t - t0)).toEqual([0, 300, 1_000, 1_300, 2_000]);
  });

  it("keys are independent; pause holds one key (a 429's Retry-After), also for senders already waiting", async () => {
    const clock = new FakeClock();
    const pacer = new Pacer({ clock });
    const start = clock.now();
    const seen: Record<string, number[]> = { a: [], b: [] };
    const waits = [
      ...Array.from({ length: 6 }, () => pacer.wait("a").then(() => seen.a!.push(clock.now() - start))),
      ...Array.from({ length: 4 }, () => pacer.wait("b").then(() => seen.b!.push(clock.now() - start))),
    ];
    await clock.advance(0);
    expect(seen.b).toEqual([0, 0, 0, 0]);
    expect(seen.a).toEqual([0, 0, 0, 0]);
    // The two waiting for 1 s are told at 500 ms that "a" is throttled for 5 s.
    await clock.advance(500);
    pacer.pause("a", 5_000);
    expect(pacer.nextSlot("a")).toBe(start + 5_500);
    await clock.advance(10_000);
    await Promise.all(waits);
    expect(seen.a).toEqual([0, 0, 0, 0, 5_500, 5_500]);
    expect(pacer.nextSlot("b")).toBe(clock.now());
  });

  it("takes any windows; refuses nonsense", () => {
    expect(new Pacer({ windows: TEAMS_CONNECTOR_WINDOWS }).windows).toHaveLength(5);
    expect(() => new Pacer({ windows: [{ limit: 0, perMs: 1_000 }] })).toThrow(/invalid rate window/);
  });

  it("12 real sends through the pacer take at least 2 s, and the receiver never sees 5 within a second", async () => {
    const pacer = new Pacer();
    const key = redactUrl(receiver.url);
    const started = Date.now();
    const sent = await Promise.all(
      Array.from({ length: 12 }, async () => {
        await pacer.wait(key);
        return send(receiver.url);
      }),
    );
    const elapsed = Date.now() - started;
    expect(sent.every((result) => result.kind === "sent")).toBe(true);
    expect(elapsed).toBeGreaterThanOrEqual(1_950);
    expect(elapsed).toBeLessThan(4_000);
    const arrivals = receiver.attempts.map((attempt) => attempt.at).sort((a, b) => a - b);
    expect(arrivals).toHaveLength(12);
    // Network jitter may shift an arrival by a few milliseconds.
    expect(busiest(arrivals, 950)).toBeLessThanOrEqual(4);
  });
});

describe("backoffMs and parseRetryAfter", () => {
  it("doubles per attempt, up to the maximum, with jitter in the upper half", () => {
    const low = { baseMs: 1_000, maxMs: 30_000, random: () => 0 };
    const high = { baseMs: 1_000, maxMs: 30_000, random: () => 0.999999 };
    expect([0, 1, 2, 3, 4, 5, 10].map((attempt) => backoffMs(attempt, low))).toEqual([500, 1_000, 2_000, 4_000, 8_000, 15_000, 15_000]);
    expect(backoffMs(3, high)).toBeCloseTo(8_000, 0);
    expect(backoffMs(10, high)).toBeCloseTo(30_000, 0);
    for (let i = 0; i < 200; i++) {
      const wait = backoffMs(2, { baseMs: 100, maxMs: 10_000 });
      expect(wait).toBeGreaterThanOrEqual(200);
      expect(wait).toBeLessThanOrEqual(400);
    }
  });

  it("reads seconds and HTTP dates", () => {
    const now = Date.parse("2026-01-01T00:00:00Z");
    expect(parseRetryAfter("120", now)).toBe(120_000);
    expect(parseRetryAfter(" 1.5 ", now)).toBe(1_500);
    expect(parseRetryAfter("Thu, 01 Jan 2026 00:00:30 GMT", now)).toBe(30_000);
    expect(parseRetryAfter("Wed, 31 Dec 2025 23:00:00 GMT", now)).toBe(0);
    for (const bad of [undefined, null, "", "soon", "-5"]) expect(parseRetryAfter(bad, now)).toBeUndefined();
  });
});
