/**
 * Event-to-card latency through the full pipeline: an ARM write event's cluster body → snapshot (SDK
 * mappers) → `monitorCluster` (evaluate, diff, ETag-guarded commit, outbox) against Azurite → `deliverDue`
 * → HTTPS POST → the local Teams receiver's acceptance of the schema-valid card. p50 and p99 over 600
 * evaluations (300 clusters, each drifting and then fixed: every evaluation produces a card), and the
 * storage operations per evaluation. The measuring runs in its own process (bench/latencyRun.ts), which
 * trusts the test certificate through NODE_EXTRA_CA_CERTS as the tests do.
 */
import { measureInProcess } from "./measuringProcess.js";
import type { BenchFigure } from "./results.js";

const CLUSTERS = 300;

interface Figures {
  evaluations: number;
  cards: number;
  rejected: number;
  total: { p50: number; p99: number; max: number };
  monitor: { p50: number; p99: number };
  delivery: { p50: number; p99: number };
  monitorOps: { reads: number; writes: number; transactions: number };
  deliveryOps: { reads: number; writes: number; transactions: number };
  cardBytes: { p50: number; max: number };
}

async function measure(root: string): Promise<Figures> {
  return measureInProcess<Figures>(root, "latencyRun.js", [String(CLUSTERS)]);
}

const ms = (value: number) => Number(value.toFixed(1));
const perEvaluation = (value: number) => Number(value.toFixed(2));

export async function benchLatency(root: string): Promise<Record<string, BenchFigure>> {
  const figures = await measure(root);
  if (figures.evaluations < 500 || figures.rejected > 0) {
    throw new Error(`latency: ${figures.evaluations} evaluations measured, ${figures.rejected} posts not accepted`);
  }
  const { monitorOps: m, deliveryOps: d } = figures;
  const where =
    `${figures.evaluations} evaluations (${CLUSTERS} clusters of examples/fleet/prod-weu-payments.json, each drifted then fixed: one card each), ` +
    "Azurite and the Teams receiver (HTTPS, validating each card against the Adaptive Card 1.5 schema) in the measuring process, one event at a time; " +
    "no pacing: Teams' own limit (4 posts/s per webhook) would dominate the latency of a burst of cards";
  return {
    "pipeline.eventToCardP50": {
      value: ms(figures.total.p50),
      unit: "ms",
      note: `event body in hand → card accepted by the receiver; ${where}`,
    },
    "pipeline.eventToCardP99": {
      value: ms(figures.total.p99),
      unit: "ms",
      note: `target under 250 ms; max ${ms(figures.total.max)} ms; monitorCluster p50 ${ms(figures.monitor.p50)} / p99 ${ms(figures.monitor.p99)} ms, delivery p50 ${ms(figures.delivery.p50)} / p99 ${ms(figures.delivery.p99)} ms; cards p50 ${figures.cardBytes.p50} B, max ${figures.cardBytes.max} B`,
    },
    "pipeline.storageOpsPerEvaluation": {
      value: perEvaluation(m.reads + m.writes + m.transactions),
      unit: "requests",
      note: `monitorCluster: reads ${perEvaluation(m.reads)}, writes ${perEvaluation(m.writes)}, transactions ${perEvaluation(m.transactions)} (load partition, suppressions, one findings transaction, outbox promote, summary, evaluation row)`,
    },
    "pipeline.storageOpsPerCard": {
      value: perEvaluation(d.reads + d.writes + d.transactions),
      unit: "requests",
      note: `deliverDue per card: reads ${perEvaluation(d.reads)}, writes ${perEvaluation(d.writes)}, transactions ${perEvaluation(d.transactions)} (due query, claim with its sent/dead check, markSent)`,
    },
  };
}
