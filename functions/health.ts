import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from "@azure/functions";
import { apiRuntime } from "../shared/api/instance.js";
import { health, healthStatusCode } from "../shared/health.js";

export async function healthHandler(_request: HttpRequest, _context: InvocationContext): Promise<HttpResponseInit> {
  const result = await health(async () => (await apiRuntime()).store);
  return { status: healthStatusCode(result), jsonBody: result };
}

app.http("health", { methods: ["GET"], authLevel: "anonymous", route: "health", handler: healthHandler });
