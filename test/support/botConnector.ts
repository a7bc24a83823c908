/**
 * A fake Bot Framework connector (the Bot Connector REST API that Teams gives a bot as the activity's
 * `serviceUrl`), over HTTPS with the test certificate (trusted through NODE_EXTRA_CA_CERTS, like the ARM
 * server), and the Teams activities a test sends to the bot.
 *
 * It answers what a bot posts the way the connector does:
 * - `POST {serviceUrl}v3/conversations/{conversationId}/activities` (a new message, proactive or not) and
 *   `POST {serviceUrl}v3/conversations/{conversationId}/activities/{activityId}` (a reply): 200 with
 *   `{ id }`; the conversation id arrives percent-encoded (Teams ids hold `:`, `@`, `;`);
 * - 403 `BotNotInConversationRoster` for a conversation the bot was removed from (`remove(id)`);
 * - 401 without the expected bearer token, when `token` is set (an app id with a credentials factory);
 * - 413 `MessageSizeTooBig` over 28 KB, 400 `BadArgument` for an Adaptive Card attachment that does not
 *   match the 1.4 schema, the version the cards declare (the same validator as the Teams receiver);
 * - whatever a test scripts next (`script([{ status: 429, retryAfterSeconds: 2 }])`, 5xx, a hang-up).
 *
 * `requests` records every request; `activities` only those accepted. Anything else (GET members,
 * PUT/DELETE activities) is answered 404 and recorded, so a test sees unexpected calls.
 *
 * It also plays the Bot Framework's token issuer, for a bot with an app id: the OpenID metadata and
 * signing keys (`openIdMetadataUrl`, the key endorsed for `msteams` like the real ones) and
 * `channelToken(...)`, the JWT the Bot Framework service sends with each activity. With
 * `fixedTokenCredentials` as the bot's credentials factory, nothing calls the Entra login endpoint.
 */
import { createSign, generateKeyPairSync, randomUUID, type KeyObject } from "node:crypto";
import type { ServiceClientCredentialsFactory } from "botframework-connector";
import type { IncomingMessage, ServerResponse } from "node:http";
import { adaptiveCardValidator } from "./adaptiveCardSchema.js";
import { ADAPTIVE_CARD } from "./teamsReceiver.js";
import { listenHttps, readBody, sendJson, type Json } from "./httpsServer.js";

/** The path prefix of the fake `serviceUrl`, like Teams' `https://smba.trafficmanager.net/emea/`. */
export const SERVICE_PATH = "/emea/";
/** Teams' message size limit (the connector answers 413 over it). */
export const CONNECTOR_MAX_BYTES = 28 * 1024;

export interface ConnectorRequest {
  at: number;
  method: string;
  /** The path after the service URL's prefix, decoded per segment: `v3/conversations/{id}/activities[/{replyTo}]`. */
  path: string;
  conversationId?: string;
  /** Set for a reply (`.../activities/{activityId}`). */
  replyToId?: string;
  authorization?: string;
  bytes: number;
  body?: Json;
  status?: number;
  outcome: "accepted" | "rejected" | "scripted" | "removed" | "hungUp" | "unknownRoute" | "metadata";
  error?: string;
}

export interface PostedActivity {
  /** The id the connector gave it. */
  id: string;
  conversationId: string;
  replyToId?: string;
  activity: Json;
  /** The Adaptive Card of its first attachment, when it has one. */
  card?: Json;
}

export interface ScriptedConnectorAnswer {
  status?: number;
  retryAfterSeconds?: number;
  body?: unknown;
  /** Only for requests to this conversation; default any. */
  conversationId?: string;
  hangUp?: boolean;
  delayMs?: number;
}

export interface BotConnector {
  /** `https://127.0.0.1:<port>/emea/`, with the trailing slash Teams' service URLs have. */
  serviceUrl: string;
  /** The OpenID configuration of the fake token issuer (`ToBotFromChannelOpenIdMetadataUrl`). */
  openIdMetadataUrl: string;
  /** A token like the Bot Framework service's: issuer api.botframework.com, audience the app id, the service URL claim. */
  channelToken(claims: { appId: string; serviceUrl: string; expiresInSeconds?: number; signedBy?: "issuer" | "stranger" }): string;
  requests: ConnectorRequest[];
  activities: PostedActivity[];
  /** Accepted activities posted to a conversation (new messages and replies). */
  activitiesIn(conversationId: string): PostedActivity[];
  /** Queues answers for the next matching requests. */
  script(answers: ScriptedConnectorAnswer[]): void;
  /** The bot was removed from this conversation: 403 BotNotInConversationRoster from now on. */
  remove(conversationId: string): void;
  /** Resolves when `activities` holds at least `count`. */
  waitForActivities(count: number, timeoutMs?: number): Promise<PostedActivity[]>;
  /** Forgets recordings, the script and removals. */
  reset(): void;
  validateCard(card: unknown): string | undefined;
  close(): Promise<void>;
}

export interface BotConnectorOptions {
  /** When set, a request without `Authorization: Bearer <token>` is answered 401. */
  token?: string;
}

/** The Bot Framework service's token issuer. */
export const BOT_FRAMEWORK_ISSUER = "https://api.botframework.com";

export async function startBotConnector(options: BotConnectorOptions = {}): Promise<BotConnector> {
  const validateCard = adaptiveCardValidator();
  const issuerKey = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const strangerKey = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const kid = `aksmon-test-${randomUUID().slice(0, 8)}`;
  let origin = "";
  const requests: ConnectorRequest[] = [];
  const activities: PostedActivity[] = [];
  const removed = new Set<string>();
  let queue: ScriptedConnectorAnswer[] = [];
  let waiters: Array<{ count: number; resolve: () => void }> = [];

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const raw = await readBody(req);
    const url = new URL(req.url ?? "/", "https://127.0.0.1");
    const record: ConnectorRequest = {
      at: Date.now(),
      method: req.method ?? "",
      path: url.pathname,
      bytes: Buffer.byteLength(raw),
      outcome: "rejected",
      ...(req.headers.authorization ? { authorization: req.headers.authorization } : {}),
    };
    requests.push(record);
    const answer = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      record.status = status;
      sendJson(res, status, body, headers);
    };
    const error = (status: number, code: string, message: string, headers: Record<string, string> = {}) => {
      record.error = `${code}: ${message}`;
      answer(status, { error: { code, message } }, headers);
    };

    if (req.method === "GET" && url.pathname === "/.well-known/openidconfiguration") {
      record.outcome = "metadata";
      return answer(200, { issuer: BOT_FRAMEWORK_ISSUER, jwks_uri: `${origin}/.well-known/keys`, id_token_signing_alg_values_supported: ["RS256"] });
    }
    if (req.method === "GET" && url.pathname === "/.well-known/keys") {
      record.outcome = "metadata";
      const jwk = issuerKey.publicKey.export({ format: "jwk" });
      return answer(200, { keys: [{ kty: "RSA", use: "sig", kid, n: jwk.n, e: jwk.e, endorsements: ["msteams"] }] });
    }
    if (!url.pathname.startsWith(SERVICE_PATH)) {
      record.outcome = "unknownRoute";
      return error(404, "NotFound", `nothing at ${url.pathname}`);
    }
    const segments = url.pathname.slice(SERVICE_PATH.length).split("/").map((part) => decodeURIComponent(part));
    record.path = segments.join("/");
    const [version, collection, conversationId, kind, replyToId, ...rest] = segments;
    const isActivityPost =
      req.method === "POST" && version === "v3" && collection === "conversations" && !!conversationId && kind === "activities" && rest.length === 0;
    if (conversationId) record.conversationId = conversationId;
    if (replyToId) record.replyToId = replyToId;
    try {
      if (raw) record.body = JSON.parse(raw) as Json;
    } catch {
      return error(400, "BadSyntax", "the body is not JSON");
    }

    if (options.token !== undefined && req.headers.authorization !== `Bearer ${options.token}`) {
      return error(401, "Unauthorized", "Authorization has been denied for this request.");
    }
    const index = queue.findIndex((scripted) => scripted.conversationId === undefined || scripted.conversationId === conversationId);
    const scripted = index >= 0 ? queue.splice(index, 1)[0] : undefined;
    if (scripted?.delayMs) await new Promise((resolve) => setTimeout(resolve, scripted.delayMs));
    if (scripted?.hangUp) {
      record.outcome = "hungUp";
      req.socket.destroy();
      return;
    }
    if (scripted?.status !== undefined) {
      record.outcome = "scripted";
      const headers: Record<string, string> = scripted.retryAfterSeconds !== undefined ? { "retry-after": String(scripted.retryAfterSeconds) } : {};
      record.error = `scripted ${scripted.status}`;
      return answer(scripted.status, scripted.body ?? { error: { code: `Http${scripted.status}`, message: `Scripted answer ${scripted.status}.` } }, headers);
    }
    if (!isActivityPost) {
      record.outcome = "unknownRoute";
      return error(404, "NotFound", `the fake connector does not serve ${req.method} ${record.path}`);
    }
    if (removed.has(conversationId!)) {
      record.outcome = "removed";
      return error(403, "BotNotInConversationRoster", "The bot is not part of the conversation roster.");
    }
    if (record.bytes > CONNECTOR_MAX_BYTES) return error(413, "MessageSizeTooBig", `Message size too big: ${record.bytes} bytes`);
    const activity = record.body ?? {};
    if (activity.type !== "message" && activity.type !== "typing") {
      return error(400, "BadArgument", `unexpected activity type ${JSON.stringify(activity.type)}`);
    }
    let card: Json | undefined;
    for (const attachment of (activity.attachments ?? []) as Json[]) {
      if (attachment.contentType !== ADAPTIVE_CARD) continue;
      const problem = validateCard(attachment.content);
      if (problem) return error(400, "BadArgument", problem);
      card ??= attachment.content as Json;
    }
    const id = `1${Date.now()}${Math.floor(Math.random() * 1000)}`.slice(0, 16) + randomUUID().slice(0, 4);
    record.outcome = "accepted";
    activities.push({ id, conversationId: conversationId!, ...(replyToId ? { replyToId } : {}), activity, ...(card ? { card } : {}) });
    answer(200, { id });
    waiters = waiters.filter((waiter) => {
      if (activities.length < waiter.count) return true;
      waiter.resolve();
      return false;
    });
  };

  const listening = await listenHttps((req, res) => {
    handle(req, res).catch((failure: unknown) => {
      if (!res.headersSent && !res.destroyed) sendJson(res, 500, { error: { code: "InternalError", message: String(failure) } });
    });
  });

  origin = listening.url;
  return {
    serviceUrl: `${listening.url}${SERVICE_PATH}`,
    openIdMetadataUrl: `${listening.url}/.well-known/openidconfiguration`,
    channelToken({ appId, serviceUrl, expiresInSeconds = 3_600, signedBy = "issuer" }) {
      const issued = Math.floor(Date.now() / 1000);
      return signJwt(
        { iss: BOT_FRAMEWORK_ISSUER, aud: appId, serviceurl: serviceUrl, nbf: issued - 60, iat: issued - 60, exp: issued + expiresInSeconds },
        kid,
        signedBy === "issuer" ? issuerKey.privateKey : strangerKey.privateKey,
      );
    },
    requests,
    activities,
    activitiesIn: (conversationId) => activities.filter((posted) => posted.conversationId === conversationId),
    script(answers) {
      queue.push(...answers);
    },
    remove(conversationId) {
      removed.add(conversationId);
    },
    waitForActivities(count, timeoutMs = 10_000) {
      if (activities.length >= count) return Promise.resolve(activities);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`the fake connector got ${activities.length} of ${count} activities`)), timeoutMs);
        waiters.push({
          count,
          resolve: () => {
            clearTimeout(timer);
            resolve(activities);
          },
        });
      });
    },
    reset() {
      requests.length = 0;
      activities.length = 0;
      removed.clear();
      queue = [];
    },
    validateCard,
    close: listening.close,
  };
}

// Activities from Teams, as the Bot Framework service delivers them to the bot's /api/messages.

export const BOT_ID = "28:aksmon-bot-app-id";
export const TENANT_ID = "72f988bf-86f1-41af-91ab-2d7cd011db47";

export interface TeamsUser {
  id: string;
  name: string;
  aadObjectId: string;
}

export const ALICE: TeamsUser = { id: "29:alice-teams-id", name: "Alice Example", aadObjectId: "0c9a3f4e-1d2b-4c5a-8e7f-9a8b7c6d5e4f" };

/** A team channel: the team's id is its General channel's id. */
export interface TeamsChannel {
  teamId: string;
  channelId: string;
  teamName: string;
}

export function teamsChannel(name: string): TeamsChannel {
  const token = randomUUID().replace(/-/g, "");
  return { teamId: `19:${token}@thread.tacv2`, channelId: `19:${token}@thread.tacv2`, teamName: name };
}

interface ActivityBase {
  serviceUrl: string;
  channel: TeamsChannel;
  from?: TeamsUser;
  /** The conversation id: the channel, or a reply chain in it (`<channel>;messageid=<id>`). */
  conversationId?: string;
}

function base({ serviceUrl, channel, from = ALICE, conversationId }: ActivityBase, type: string): Json {
  return {
    type,
    id: `f:${randomUUID()}`,
    timestamp: new Date().toISOString(),
    localTimestamp: new Date().toISOString(),
    serviceUrl,
    channelId: "msteams",
    from: { id: from.id, name: from.name, aadObjectId: from.aadObjectId },
    conversation: { isGroup: true, conversationType: "channel", tenantId: TENANT_ID, id: conversationId ?? channel.channelId },
    recipient: { id: BOT_ID, name: "aksmon" },
    channelData: {
      tenant: { id: TENANT_ID },
      team: { id: channel.teamId, name: channel.teamName, aadGroupId: randomUUID() },
      channel: { id: channel.channelId, name: "General" },
    },
    locale: "en-US",
  };
}

/** The bot added to a team: `conversationUpdate` with the bot in `membersAdded` (eventType teamMemberAdded). */
export function botAddedActivity(options: ActivityBase): Json {
  const activity = base(options, "conversationUpdate");
  activity.membersAdded = [{ id: BOT_ID }];
  activity.channelData.eventType = "teamMemberAdded";
  return activity;
}

/** The bot removed from a team: `conversationUpdate` with the bot in `membersRemoved`. */
export function botRemovedActivity(options: ActivityBase): Json {
  const activity = base(options, "conversationUpdate");
  activity.membersRemoved = [{ id: BOT_ID }];
  activity.channelData.eventType = "teamMemberRemoved";
  return activity;
}

/** `installationUpdate` (Teams sends it beside the conversationUpdate): action `add` or `remove`. */
export function installationUpdateActivity(options: ActivityBase, action: "add" | "remove" | "add-upgrade" | "remove-upgrade"): Json {
  const activity = base(options, "installationUpdate");
  activity.action = action;
  return activity;
}

/** A user's message to the bot in a channel: `<at>aksmon</at> status prod-weu-payments`, the mention entity included. */
export function textMessageActivity(options: ActivityBase, text: string): Json {
  const activity = base(options, "message");
  const mention = "<at>aksmon</at>";
  activity.text = `${mention} ${text}`;
  activity.textFormat = "plain";
  activity.entities = [{ type: "mention", text: mention, mentioned: { id: BOT_ID, name: "aksmon" } }];
  return activity;
}

/** An Action.Submit click: a `message` with no text and the button's `data` (merged with the card's inputs) as `value`. */
export function cardSubmitActivity(options: ActivityBase & { replyToId?: string }, value: Json): Json {
  const activity = base(options, "message");
  activity.value = value;
  if (options.replyToId) activity.replyToId = options.replyToId;
  activity.channelData.source = { name: "message" };
  activity.channelData.legacy = { replyToId: options.replyToId ?? "" };
  return activity;
}

function signJwt(payload: Record<string, unknown>, kid: string, key: KeyObject): string {
  const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");
  const unsigned = `${encode({ alg: "RS256", typ: "JWT", kid })}.${encode(payload)}`;
  const signature = createSign("RSA-SHA256").update(unsigned).sign(key).toString("base64url");
  return `${unsigned}.${signature}`;
}

/**
 * A credentials factory for a bot with an app id that never calls the Entra login endpoint: outbound
 * calls carry `Bearer <token>`, and only `appId` is a valid audience. Shaped like botframework-connector's
 * ServiceClientCredentialsFactory without importing it (the bot stack is loaded lazily, tests too).
 */
export function fixedTokenCredentials(appId: string, token: string): ServiceClientCredentialsFactory & { issued: number } {
  const factory = {
    issued: 0,
    async isValidAppId(candidate: string) {
      return candidate === appId;
    },
    async isAuthenticationDisabled() {
      return false;
    },
    async createCredentials() {
      factory.issued++;
      return {
        async signRequest<T extends { headers: { set(name: string, value: string): void } }>(request: T): Promise<T> {
          request.headers.set("authorization", `Bearer ${token}`);
          return request;
        },
      };
    },
  };
  return factory as unknown as ServiceClientCredentialsFactory & { issued: number };
}
