import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from "@azure/functions";
import { botConfigured, instanceBot } from "../shared/api/bot.js";
import { apiRuntime } from "../shared/api/instance.js";
import { methodNotAllowed, problem } from "../shared/api/responses.js";

const MAX_BODY_CHARS = 1024 * 1024;

/**
 * POST /api/messages: the Teams bot's endpoint. Anonymous at the Functions level: the Bot Framework
 * signs each request with its own JWT, which the bot's adapter checks. The bot stack is loaded on the
 * first message (once per instance), never for a body that is not a JSON object.
 */
export async function teamsMessagesHandler(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  if (request.method.toUpperCase() !== "POST") return methodNotAllowed(request.method, ["POST"]);
  const text = await request.text();
  let body: unknown;
  try {
    if (text.length > MAX_BODY_CHARS) throw new Error("too large");
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

app.http("teamsMessages", { methods: ["POST"], authLevel: "anonymous", route: "messages", handler: teamsMessagesHandler });
