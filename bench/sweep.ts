/**
 * Sweep read of a fleet against the local ARM server (separate processes for server and reader): wall
 * time, ARM calls per cluster by kind, 429s, the reader's peak memory, and the ratio of the wall time to
 * the least time the per-subscription buckets allow for the calls made.
 */
import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { createTestCertificate } from "../test/support/tls.js";
import type { BenchFigure } from "./results.js";
import { BUCKET } from "./sweepFleet.js";

interface ReaderFigures {
  seconds: number;
  clusters: number;
  inventoried: number;
  readFailures: number;
  partErrors: number;
  traffic: { calls: Record<string, number>; total: number; throttled: number; retries: number };
  peakRssMb: number;
}

function lines(child: ChildProcessWithoutNullStreams): AsyncIterator<string> {
  return createInterface({ input: child.stdout })[Symbol.asyncIterator]();
}

async function run(root: string, clusters: number, subscriptions: number): Promise<{ reader: ReaderFigures; leastSeconds: number; bucketsThatBind: number }> {
  const dist = join(root, "dist", "bench");
  const certificate = await createTestCertificate();
  const server = spawn(process.execPath, [join(dist, "sweepServer.js"), root, String(clusters), String(subscriptions)], {
    env: { ...process.env, AKSMON_TEST_CERT: certificate.certPath, AKSMON_TEST_KEY: certificate.keyPath },
  });
  server.stderr.pipe(process.stderr);
  const serverLines = lines(server);
  const { url, token } = JSON.parse((await serverLines.next()).value as string) as { url: string; token: string };
  const reader = spawn(process.execPath, [join(dist, "sweepRead.js"), String(subscriptions)], {
    env: { ...process.env, NODE_EXTRA_CA_CERTS: certificate.certPath, AZURE_RESOURCE_MANAGER_ENDPOINT: url, AZURE_ACCESS_TOKEN: token },
  });
  reader.stderr.pipe(process.stderr);
  const figures = JSON.parse((await lines(reader).next()).value as string) as ReaderFigures;
  server.stdin.write("stats\n");
  const stats = JSON.parse((await serverLines.next()).value as string) as { accepted: Record<string, number> };
  server.stdin.end();
  server.kill();
  const least = Object.values(stats.accepted).map((calls) => Math.max(0, (calls - BUCKET.capacity) / BUCKET.refillPerSecond));
  return { reader: figures, leastSeconds: Math.max(0, ...least), bucketsThatBind: least.filter((seconds) => seconds > 0).length };
}

export async function benchSweep(root: string): Promise<Record<string, BenchFigure>> {
  const figures: Record<string, BenchFigure> = {};
  for (const [name, clusters, subscriptions] of [["sweep", 2000, 20], ["sweepDense", 2000, 4]] as const) {
    const { reader, leastSeconds, bucketsThatBind } = await run(root, clusters, subscriptions);
    if (reader.clusters !== clusters || reader.readFailures > 0) {
      throw new Error(`${name}: read ${reader.clusters} of ${clusters} clusters, ${reader.readFailures} failed`);
    }
    const perCluster = Object.entries(reader.traffic.calls)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([kind, calls]) => `${kind} ${(calls / clusters).toFixed(3)}`)
      .join(", ");
    const where = `${clusters} clusters in ${subscriptions} subscriptions, 20 ms per call, bucket 250 + 25/s per subscription`;
    figures[`${name}.wallTime`] = { value: Number(reader.seconds.toFixed(2)), unit: "s", note: where };
    figures[`${name}.armCallsPerCluster`] = {
      value: Number((reader.traffic.total / clusters).toFixed(3)),
      unit: "calls/cluster",
      note: `every attempt counted, 429s included; by kind: ${perCluster}`,
    };
    figures[`${name}.throttled`] = { value: reader.traffic.throttled, unit: "429s", note: `${reader.traffic.retries} retries; ${reader.partErrors} parts left unread` };
    figures[`${name}.peakRss`] = { value: Math.round(reader.peakRssMb), unit: "MB", note: "the reader process alone (the server runs in its own)" };
    figures[`${name}.leastTime`] = {
      value: Number(leastSeconds.toFixed(2)),
      unit: "s",
      note: `the least time the buckets allow for the calls made (slowest bucket: (calls - 250) / 25 s); ${bucketsThatBind} bucket(s) bind`,
    };
    if (leastSeconds > 0) {
      figures[`${name}.wallToLeastRatio`] = { value: Number((reader.seconds / leastSeconds).toFixed(2)), unit: "x", note: "target at most 1.5" };
    }
  }
  return figures;
}
