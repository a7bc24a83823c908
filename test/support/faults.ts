/** Injected failures and slow answers for the ARM test server. */
import type { RequestKind } from "./armRoutes.js";

/** What a fault's `match` function sees of a request. */
export interface FaultRequest {
  method: string;
  /** Decoded path, no query. */
  path: string;
  query: URLSearchParams;
  kind: RequestKind;
  /** Lower-cased, when the path has one. */
  subscription?: string;
}

export interface Fault {
  /** A string matches when the path contains it (case-insensitively); a RegExp is tested on the path. */
  match: string | RegExp | ((request: FaultRequest) => boolean);
  /** Answer this status (with ARM's error body for it) instead of the real answer. */
  status?: number;
  /** With 429 or 503: the Retry-After header, in seconds. Without it, no Retry-After is sent. */
  retryAfterSeconds?: number;
  /** Wait this long before answering (with `status`, or with the real answer). */
  delayMs?: number;
  /** How many matching requests it affects; then it is gone. Default: all of them. */
  times?: number;
  /** Override the error body's code and message. */
  code?: string;
  message?: string;
}

export class FaultList {
  private faults: Array<Fault & { left: number }> = [];

  add(fault: Fault): void {
    if (fault.status === undefined && fault.delayMs === undefined) throw new Error("a fault needs a status or a delayMs");
    this.faults.push({ ...fault, left: fault.times ?? Number.POSITIVE_INFINITY });
  }

  /** The first fault matching the request, counted as used. */
  take(request: FaultRequest): Fault | undefined {
    if (this.faults.length === 0) return undefined;
    const index = this.faults.findIndex((fault) => fault.left > 0 && matches(fault.match, request));
    if (index < 0) return undefined;
    const fault = this.faults[index]!;
    fault.left -= 1;
    if (fault.left <= 0) this.faults.splice(index, 1);
    return fault;
  }

  clear(): void {
    this.faults = [];
  }
}

function matches(match: Fault["match"], request: FaultRequest): boolean {
  if (typeof match === "string") return request.path.toLowerCase().includes(match.toLowerCase());
  if (match instanceof RegExp) {
    match.lastIndex = 0;
    return match.test(request.path);
  }
  return match(request);
}
