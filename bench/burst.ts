/**
 * Event burst: 1,000 events for 100 clusters (one change each, announced by ten events: the cluster
 * write, pool writes and AKS events, interleaved), handled 100 at a time. Time to quiet and evaluations
 * performed, with the deployed settle (EVENT_SETTLE_SECONDS=2) and without one, side by side in one run.
 * The measuring runs in its own process (bench/burstRun.ts), which trusts the test certificate.
 */
import { measureInProcess } from "./measuringProcess.js";
import type { BenchFigure } from "./results.js";

interface Figures {
  events: number;
  clusters: number;
  settleMs: number;
  concurrency: number;
  quietMs: number;
  evaluated: number;
  coalesced: number;
  other: number;
  armClusterReads: number;
  driftCards: number;
  cardsNamingTheWriter: number;
  ackP50Ms: number;
  ackMaxMs: number;
  storageRequestsPerEvent: number;
}

async function measure(root: string, settleMs: number): Promise<Figures> {
  return measureInProcess<Figures>(root, "burstRun.js", ["100", "10", String(settleMs), "100"]);
}

const seconds = (ms: number) => Number((ms / 1000).toFixed(2));

export async function benchBurst(root: string): Promise<Record<string, BenchFigure>> {
  const settled = await measure(root, 2_000);
  const unsettled = await measure(root, 0);
  for (const figures of [settled, unsettled]) {
    if (figures.other > 0 || figures.driftCards !== figures.clusters) {
      throw new Error(`burst: ${figures.other} events not evaluated or coalesced, ${figures.driftCards} drift cards for ${figures.clusters} clusters`);
    }
  }
  const describe = (f: Figures) =>
    `${f.evaluated} evaluations and ${f.coalesced} coalesced for ${f.events} events, ${f.armClusterReads} cluster GETs, ` +
    `${f.driftCards} drift cards (${f.cardsNamingTheWriter} naming the writer), ack p50 ${seconds(f.ackP50Ms)} s / max ${seconds(f.ackMaxMs)} s, ` +
    `${f.storageRequestsPerEvent.toFixed(1)} storage requests per event`;
  const where = `${settled.events} events for ${settled.clusters} clusters (10 per change: cluster write, pool writes, AKS events, shuffled), ${settled.concurrency} handled at once, Azurite and the ARM server in process`;
  return {
    "events.burstTimeToQuiet": { value: seconds(settled.quietMs), unit: "s", note: `${where}; EVENT_SETTLE_SECONDS=2: ${describe(settled)}` },
    "events.burstEvaluations": { value: settled.evaluated, unit: "evaluations", note: `target: one per change (${settled.clusters}), not one per event (${settled.events})` },
    "events.burstTimeToQuietNoSettle": { value: seconds(unsettled.quietMs), unit: "s", note: `the same burst with EVENT_SETTLE_SECONDS=0: ${describe(unsettled)}` },
    "events.burstEvaluationsNoSettle": { value: unsettled.evaluated, unit: "evaluations", note: "without a settle, a read that starts less than 2 s after a change's event time does not cover that change's later events: some clusters need a second evaluation" },
  };
}
