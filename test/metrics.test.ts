import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { METRICS, metricLine } from "../shared/logging/metrics.js";

/** The README's Application Insights query, in JavaScript: the first `metric aksmon.x=value` of a line. */
function parseMetric(line: string): { metric: string; value: number } | undefined {
  const match = /metric (aksmon\.[\w.]+)=([0-9.]+)/.exec(line);
  return match ? { metric: match[1]!, value: Number(match[2]) } : undefined;
}

describe("metric lines", () => {
  it("name the metric, its value and its dimensions, readable by the documented query", () => {
    expect(metricLine(METRICS.alertsSent, 3, { channel: "webhook" })).toBe("metric aksmon.alerts.sent=3 channel=webhook");
    expect(parseMetric(`[invocationId=1] ${metricLine(METRICS.evaluations, 1, { source: "event", outcome: "evaluated" })}`)).toEqual({ metric: "aksmon.evaluations", value: 1 });
  });

  it("refuse what is not a count and dimension names that are not words", () => {
    expect(() => metricLine(METRICS.alertsDead, -1)).toThrow(/not a count/);
    expect(() => metricLine(METRICS.alertsDead, Number.NaN)).toThrow(/not a count/);
    expect(() => metricLine(METRICS.alertsDead, 1, { "a b": "x" })).toThrow(/bad dimension name/);
  });

  it("a dimension value cannot make the line read as another metric (fast-check)", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 120 }), fc.nat(1000), (value, count) => {
        const line = metricLine(METRICS.eventsCoalesced, count, { outcome: value });
        expect(parseMetric(line)).toEqual({ metric: "aksmon.events.coalesced", value: count });
        expect(line.match(/=/g)).toHaveLength(2);
        expect(line).not.toMatch(/[\r\n]/);
      }),
    );
  });
});
