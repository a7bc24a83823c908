import { app, type InvocationContext, type PostInvocationContext, type PreInvocationContext } from "@azure/functions";
import { correlationOf, formatCorrelation } from "../shared/logging/correlation.js";

/**
 * App-wide hooks (not a function): every log line of an invocation carries its correlation ids, and each
 * invocation ends with one line saying how long it took and whether it failed.
 */
const LEVELS = ["log", "trace", "debug", "info", "warn", "error"] as const;
const started = new WeakMap<InvocationContext, { at: number; prefix: string }>();

export function tagInvocation(context: PreInvocationContext): void {
  const invocation = context.invocationContext;
  const prefix = formatCorrelation(correlationOf(invocation.invocationId, invocation.options.trigger.type, context.inputs[0]));
  for (const level of LEVELS) {
    const write = invocation[level].bind(invocation);
    invocation[level] = (...args: unknown[]) => write(prefix, ...args);
  }
  started.set(invocation, { at: performance.now(), prefix });
}

export function reportInvocation(context: PostInvocationContext): void {
  const invocation = context.invocationContext;
  const start = started.get(invocation);
  const ms = start ? Math.round(performance.now() - start.at) : undefined;
  const took = ms === undefined ? "" : ` in ${ms} ms`;
  if (context.error) {
    const text = context.error instanceof Error ? `${context.error.name}: ${context.error.message}` : String(context.error);
    invocation.warn(`${invocation.functionName} failed${took}: ${(text.split("\n")[0] ?? text).slice(0, 300)}`);
  } else {
    invocation.log(`${invocation.functionName} completed${took}`);
  }
}

app.hook.preInvocation(tagInvocation);
app.hook.postInvocation(reportInvocation);
