import { HttpRequest, InvocationContext } from "@azure/functions";
import { afterEach, describe, expect, it } from "vitest";
import { healthHandler } from "../functions/health.js";

describe("GET /api/health", () => {
  const saved = process.env.MONITOR_SUBSCRIPTIONS;
  afterEach(() => {
    if (saved === undefined) delete process.env.MONITOR_SUBSCRIPTIONS;
    else process.env.MONITOR_SUBSCRIPTIONS = saved;
  });

  it("reports the baseline and 62 checks when the settings validate", async () => {
    delete process.env.MONITOR_SUBSCRIPTIONS;
    const response = await healthHandler(
      new HttpRequest({ method: "GET", url: "http://localhost/api/health" }),
      new InvocationContext({ functionName: "health" }),
    );
    expect(response.status).toBe(200);
    expect(response.jsonBody).toMatchObject({ status: "ok", checks: 62 });
  });

  it("answers 503 naming the bad setting, without its value", async () => {
    process.env.MONITOR_SUBSCRIPTIONS = "not-a-guid";
    const response = await healthHandler(
      new HttpRequest({ method: "GET", url: "http://localhost/api/health" }),
      new InvocationContext({ functionName: "health" }),
    );
    expect(response.status).toBe(503);
    expect(response.jsonBody.problem).toMatch(/^Setting MONITOR_SUBSCRIPTIONS is invalid/);
    expect(JSON.stringify(response.jsonBody)).not.toContain("not-a-guid");
  });
});
