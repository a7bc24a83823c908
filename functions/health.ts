import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from "@azure/functions";
import { health } from "../shared/health.js";

export async function healthHandler(_request: HttpRequest, _context: InvocationContext): Promise<HttpResponseInit> {
  const result = health();
  return { status: result.status === "ok" ? 200 : 503, jsonBody: result };
}

app.http("health", { methods: ["GET"], authLevel: "anonymous", route: "health", handler: healthHandler });
