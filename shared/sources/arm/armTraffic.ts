/**
 * How the monitor spends ARM's read budget: one pipeline policy shared by every client (the container
 * service SDK, Resource Graph, the generic REST client) that
 * - bounds the requests in flight per subscription (ARM throttles reads per subscription);
 * - on a 429, pauses the whole subscription for `Retry-After` (or an exponential backoff when the answer
 *   has none: the SDKs do not retry those) and retries;
 * - retries 5xx answers, timeouts and dropped connections a few times with backoff;
 * - puts a timeout on every attempt;
 * - counts the calls by kind, and the 429s.
 * The SDKs' own retry policies are switched off (`retryOptions.maxRetries: 0`) so that this is the only one.
 */
import type { PipelinePolicy, PipelineRequest, PipelineResponse, SendRequest } from "@azure/core-rest-pipeline";
import { backoffMs } from "../../backoff.js";

export interface ArmTrafficOptions {
  /** Requests in flight per subscription. */
  perSubscription: number;
  /** The timeout of one attempt. */
  timeoutMs: number;
  /** Retries of a throttled (429) request. */
  throttleRetries: number;
  /** Retries of a 5xx answer, a timeout or a dropped connection. */
  failureRetries: number;
  /** The first backoff; doubled per attempt, with jitter, up to maxBackoffMs. */
  backoffMs: number;
  maxBackoffMs: number;
}

export const defaultTrafficOptions: ArmTrafficOptions = {
  perSubscription: 8,
  timeoutMs: 30_000,
  throttleRetries: 8,
  failureRetries: 3,
  backoffMs: 1_000,
  maxBackoffMs: 30_000,
};

/** What was spent: calls by kind (every attempt counts), 429s received, retries made. */
export interface TrafficCounts {
  calls: Record<string, number>;
  total: number;
  throttled: number;
  retries: number;
}

/** A subscription's share of the budget: a counting semaphore plus a pause set by 429s. */
class Lane {
  private active = 0;
  private readonly waiting: Array<() => void> = [];
  pausedUntil = 0;

  constructor(private readonly limit: number) {}

  async acquire(): Promise<void> {
    if (this.active < this.limit) {
      this.active++;
      return;
    }
    await new Promise<void>((resolve) => this.waiting.push(resolve));
  }

  release(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.active--;
  }

  async waitWhilePaused(): Promise<void> {
    for (let wait = this.pausedUntil - Date.now(); wait > 0; wait = this.pausedUntil - Date.now()) await sleep(wait);
  }

  pause(ms: number): void {
    this.pausedUntil = Math.max(this.pausedUntil, Date.now() + ms);
  }
}

const KINDS: Array<[RegExp, string]> = [
  [/\/providers\/microsoft\.resourcegraph\/resources$/, "resourceGraph"],
  [/\/agentpools\/[^/]+\/upgradeprofiles\/[^/]+$/, "agentPoolUpgradeProfile"],
  [/\/agentpools\/[^/]+$/, "agentPool"],
  [/\/agentpools$/, "agentPoolList"],
  [/\/managedclusters\/[^/]+\/upgradeprofiles\/[^/]+$/, "clusterUpgradeProfile"],
  [/\/maintenanceconfigurations(\/[^/]+)?$/, "maintenanceConfigurations"],
  [/\/listclusterusercredential$/, "listClusterUserCredential"],
  [/\/providers\/microsoft\.insights\/diagnosticsettings$/, "diagnosticSettings"],
  [/\/providers\/microsoft\.security\/pricings\/[^/]+$/, "pricing"],
  [/\/providers\/microsoft\.security\/assessments$/, "assessments"],
  [/\/locations\/[^/]+\/kubernetesversions$/, "kubernetesVersions"],
  [/\/applicationgatewaywebapplicationfirewallpolicies\/[^/]+$/, "wafPolicy"],
  [/\/applicationgateways\/[^/]+$/, "applicationGateway"],
  [/\/managedclusters\/[^/]+$/, "managedCluster"],
  [/\/managedclusters$/, "managedClusterList"],
];

/** The kind of an ARM call, from its path: the unit in which the monitor counts its spending. */
export function callKind(url: string): string {
  const path = new URL(url).pathname.toLowerCase().replace(/\/+$/, "");
  return KINDS.find(([pattern]) => pattern.test(path))?.[1] ?? "other";
}

function subscriptionOf(url: string): string {
  return /\/subscriptions\/([^/?]+)/i.exec(new URL(url).pathname)?.[1]?.toLowerCase() ?? "tenant";
}

/** `Retry-After` in seconds or as an HTTP date, or the millisecond variants ARM and AAD use. */
export function retryAfterMs(response: PipelineResponse): number | undefined {
  for (const name of ["retry-after-ms", "x-ms-retry-after-ms"]) {
    const value = Number(response.headers.get(name));
    if (Number.isFinite(value) && value >= 0 && response.headers.get(name) !== undefined) return value;
  }
  const header = response.headers.get("retry-after");
  if (header === undefined) return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(header);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}

export class ArmTraffic {
  readonly options: ArmTrafficOptions;
  private readonly lanes = new Map<string, Lane>();
  private readonly counts: TrafficCounts = { calls: {}, total: 0, throttled: 0, retries: 0 };

  constructor(options: Partial<ArmTrafficOptions> = {}) {
    this.options = { ...defaultTrafficOptions, ...options };
  }

  /** The policy to add (position perCall) to every ARM client's pipeline. */
  readonly policy: PipelinePolicy = {
    name: "aksmonArmTraffic",
    sendRequest: (request, next) => this.send(request, next),
  };

  snapshot(): TrafficCounts {
    return { ...this.counts, calls: { ...this.counts.calls } };
  }

  private lane(url: string): Lane {
    const key = subscriptionOf(url);
    let lane = this.lanes.get(key);
    if (!lane) {
      lane = new Lane(this.options.perSubscription);
      this.lanes.set(key, lane);
    }
    return lane;
  }

  private backoff(attempt: number): number {
    return backoffMs(attempt, { baseMs: this.options.backoffMs, maxMs: this.options.maxBackoffMs });
  }

  private async send(request: PipelineRequest, next: SendRequest): Promise<PipelineResponse> {
    const lane = this.lane(request.url);
    const kind = callKind(request.url);
    await lane.acquire();
    try {
      let throttles = 0;
      let failures = 0;
      for (;;) {
        await lane.waitWhilePaused();
        request.timeout = this.options.timeoutMs;
        this.counts.total++;
        this.counts.calls[kind] = (this.counts.calls[kind] ?? 0) + 1;
        let response: PipelineResponse;
        try {
          response = await next(request);
        } catch (error) {
          if (failures < this.options.failureRetries && isTransient(error) && !request.abortSignal?.aborted) {
            this.counts.retries++;
            await sleep(this.backoff(failures++));
            continue;
          }
          throw error;
        }
        if (response.status === 429) {
          this.counts.throttled++;
          if (throttles >= this.options.throttleRetries) return response;
          lane.pause(retryAfterMs(response) ?? this.backoff(throttles));
          throttles++;
          this.counts.retries++;
          continue;
        }
        if (response.status >= 500 && failures < this.options.failureRetries) {
          this.counts.retries++;
          // Counted whether or not the answer says Retry-After: a persistent 503 with it must still end.
          const wait = retryAfterMs(response) ?? this.backoff(failures);
          failures++;
          await sleep(wait);
          continue;
        }
        return response;
      }
    } finally {
      lane.release();
    }
  }
}

/** A timeout or a dropped connection: worth another attempt. */
function isTransient(error: unknown): boolean {
  const { name, code } = error as { name?: string; code?: string };
  return (
    name === "AbortError" ||
    name === "TimeoutError" ||
    code === "REQUEST_SEND_ERROR" ||
    code === "ECONNRESET" ||
    code === "ETIMEDOUT" ||
    code === "ECONNREFUSED"
  );
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
}
