/**
 * The Teams bot, loaded on demand: `@microsoft/teams-ai` loads botbuilder, openai and a tokenizer
 * (measured ~0.6-1 s), so nothing reaches it through a static import. Only the code that serves the
 * bot (the Functions `/api/messages` handler, the bot's alert delivery) calls `loadTeamsBot()`.
 *
 * ```ts
 * const { createTeamsBot } = await loadTeamsBot();
 * const bot = createTeamsBot({ store, recheck, appId, appPassword, appTenantId, appType: "SingleTenant" });
 * const result = await bot.handle({ method: request.method, headers: request.headers, body: await request.json() });
 * ```
 */
export type { BotLog, BotStore, Recheck, RecheckResult, TeamsUser } from "./types.js";
export type { TeamsBot, TeamsBotOptions } from "./teamsBot.js";
export { botRequest, botResponse } from "./functionsResponse.js";
export type { BotHttpResult, BotRequest, BotResponse, PlainRequest } from "./functionsResponse.js";

let loading: Promise<typeof import("./teamsBot.js")> | undefined;

/** The bot module (`createTeamsBot`), imported once, on first use. */
export function loadTeamsBot(): Promise<typeof import("./teamsBot.js")> {
  loading ??= import("./teamsBot.js").catch((error: unknown) => {
    loading = undefined;
    throw error;
  });
  return loading;
}
