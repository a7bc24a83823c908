/**
 * The app-wide invocation hooks: every log line of an invocation carries its correlation ids (invocation
 * id, Event Grid event id, queue message ids, HTTP request id), and each invocation ends with one line.
 * The hooks are called as the host calls them, with @azure/functions' own hook and invocation contexts.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { HttpRequest, InvocationContext, PostInvocationContext, PreInvocationContext, type FunctionHandler } from "@azure/functions";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { clusterEventsHandler } from "../functions/clusterEvents.js";
import { reportInvocation, tagInvocation } from "../functions/invocationLog.js";
import { correlationOf, formatCorrelation } from "../shared/logging/correlation.js";

const INVOCATION = "5c7b6e2a-0000-4000-8000-00000000a001";

/** Runs a handler as the host would, between the two hooks; returns the log lines. */
async function invoke(triggerType: string, functionName: string, input: unknown, handler: FunctionHandler): Promise<{ lines: string[]; error?: unknown }> {
  const lines: string[] = [];
  const context = new InvocationContext({
    functionName,
    invocationId: INVOCATION,
    options: { trigger: { type: triggerType, name: "input" } },
    logHandler: (level, ...args) => lines.push(`${level}: ${args.map(String).join(" ")}`),
  });
  const pre = new PreInvocationContext({ invocationContext: context, inputs: [input], functionCallback: handler });
  tagInvocation(pre);
  let result: unknown;
  let error: unknown;
  try {
    result = await pre.functionHandler(...(pre.inputs as [unknown]), context);
  } catch (caught) {
    error = caught;
  }
  reportInvocation(new PostInvocationContext({ invocationContext: context, inputs: [input], result, error }));
  return { lines, ...(error ? { error } : {}) };
}

describe("invocation logs", () => {
  it("an Event Grid invocation's lines carry the invocation id, the event id and type, and end with a completion line", async () => {
    const event = JSON.parse(readFileSync(join(import.meta.dirname, "fixtures/eventgrid/Microsoft.Resources/event-grid-schema/resource_action_success.json"), "utf8")) as {
      id: string;
      eventType: string;
    };
    event.id = "2d1781af-3a4c-4d7c-bd0c-e34b19da4e66";
    const { lines } = await invoke("eventGridTrigger", "clusterEvents", event, clusterEventsHandler as FunctionHandler);
    expect(lines.length).toBeGreaterThanOrEqual(2);
    const prefix = `[invocationId=${INVOCATION} eventId=${event.id} eventType=${event.eventType}]`;
    for (const line of lines) expect(line).toContain(prefix);
    expect(lines.some((line) => /acknowledged: event type Microsoft\.Resources\.ResourceActionSuccess is not one aksmon handles/.test(line))).toBe(true);
    // One metric line per outcome, under the same correlation ids.
    expect(lines).toContain(`information: ${prefix} metric aksmon.events=1 outcome=ignored`);
    expect(lines.join("\n")).not.toContain("aksmon.evaluations");
    expect(lines.at(-1)).toMatch(/^information: .*clusterEvents completed in \d+ ms$/);
  });

  it("a failed invocation ends with a warning naming the error", async () => {
    const failing: FunctionHandler = () => Promise.reject(new Error("storage unavailable\nstack..."));
    const { lines, error } = await invoke("queueTrigger", "evaluateCluster", JSON.stringify({ sweepId: "sweep-20261126T020000Z-0a1b2c3d", clusterId: "/subscriptions/x/rg/aks" }), failing);
    expect(error).toBeInstanceOf(Error);
    expect(lines.at(-1)).toMatch(/^warning: \[invocationId=\S+ sweepId=sweep-20261126T020000Z-0a1b2c3d clusterId=\/subscriptions\/x\/rg\/aks\] evaluateCluster failed in \d+ ms: Error: storage unavailable$/);
  });

  it("HTTP invocations carry the caller's request id, and never a header's secret", async () => {
    const request = new HttpRequest({
      method: "GET",
      url: "http://localhost/api/health?code=secret-function-key",
      headers: { "x-ms-client-request-id": "req-42", authorization: "Bearer secret-token", "x-functions-key": "secret-key" },
    });
    const handler: FunctionHandler = (_request, context) => {
      context.log("answered");
      return { status: 200 };
    };
    const { lines } = await invoke("httpTrigger", "health", request, handler);
    expect(lines[0]).toBe(`information: [invocationId=${INVOCATION} requestId=req-42] answered`);
    expect(lines.join("\n")).not.toMatch(/secret/);
  });

  it("correlation ids are cleaned and cut, and any input is accepted (fast-check)", () => {
    const ids = correlationOf("inv 1\n", "eventGridTrigger", { id: `a]b c\r\n${"x".repeat(500)}`, type: "T" });
    expect(ids.eventId).toMatch(/^a_b_c__x+$/);
    expect(ids.eventId!.length).toBe(200);
    expect(formatCorrelation(ids)).not.toMatch(/[\r\n]/);
    fc.assert(
      fc.property(fc.string(), fc.constantFrom("eventGridTrigger", "queueTrigger", "httpTrigger", "timerTrigger"), fc.anything(), (id, type, input) => {
        const line = formatCorrelation(correlationOf(id, type, input));
        expect(line).not.toMatch(/[\r\n\]]\S|[\r\n]/);
      }),
    );
  });
});
