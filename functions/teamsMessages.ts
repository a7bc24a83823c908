import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from "@azure/functions";
import { botConfigured, instanceBot } from "../shared/api/bot.js";
import { apiRuntime } from "../shared/api/instance.js";
import { methodNotAllowed, problem } from "../shared/api/responses.js";

/**
 * The largest activity read. Teams' bot message limit is 100 KB, counted in UTF-16 with mentions and
 * reactions ("Format your bot messages", learn.microsoft.com/microsoftteams/platform/bots/how-to/format-your-bot-messages);
 * as UTF-8 JSON that is at most ~150 KB of text, and the activity's envelope (conversation, channelData,
 * entities) adds a few KB: 256 KiB holds every activity Teams can send, and nothing near 60 MB.
 */
export const MAX_ACTIVITY_BYTES = 256 * 1024;

/**
 * POST /api/messages: the Teams bot's endpoint. Anonymous at the Functions level: the Bot Framework
 * signs each request with its own JWT, which the bot's adapter checks. The size is checked first (the
 * declared content-length, then the bytes as they stream in), before any token or store work; the bot
 * stack is loaded on the first message (once per instance), never for a body that is not a JSON object.
 */
export async function teamsMessagesHandler(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  if (request.method.toUpperCase() !== "POST") return methodNotAllowed(request.method, ["POST"]);
  const declared = Number(request.headers.get("content-length") ?? "");
  if (Number.isFinite(declared) && declared > MAX_ACTIVITY_BYTES) return tooLarge();
  const text = await readLimited(request, MAX_ACTIVITY_BYTES);
  if (text === undefined) return tooLarge();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return problem(400, "InvalidBody", "The body must be a Bot Framework activity (a JSON object)");
  }
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    return problem(400, "InvalidBody", "The body must be a Bot Framework activity (a JSON object)");
  }
  const runtime = await apiRuntime();
  if (!botConfigured(runtime)) return problem(503, "BotNotConfigured", "No Teams bot is configured here (MicrosoftAppId)");
  const bot = await instanceBot(runtime, (message, error) => context.error(`teamsMessages: ${message}${error instanceof Error ? `: ${error.message}` : ""}`));
  const result = await bot.handle({ method: request.method, headers: request.headers, body });
  const response: HttpResponseInit = { status: result.status, headers: result.headers };
  if (typeof result.body === "string") response.body = result.body;
  else if (result.body !== undefined) response.jsonBody = result.body;
  return response;
}

function tooLarge(): HttpResponseInit {
  return problem(413, "BodyTooLarge", `A Bot Framework activity is at most ${MAX_ACTIVITY_BYTES} bytes here`);
}

/** The body as text, read chunk by chunk; undefined (and the stream cancelled) as soon as it passes `limit` bytes. */
async function readLimited(request: HttpRequest, limit: number): Promise<string | undefined> {
  if (!request.body) return "";
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > limit) {
      await reader.cancel().catch(() => {});
      return undefined;
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString("utf8");
}

app.http("teamsMessages", { methods: ["POST"], authLevel: "anonymous", route: "messages", handler: teamsMessagesHandler });
