/**
 * The local ARM server of the sweep benchmark, in its own process: ARM's documented read throttling per
 * subscription (a bucket of 250 refilled at 25/s, 429 with Retry-After when empty) and 20 ms per call.
 * argv: root, clusters, subscriptions. Prints `{ url, token }`, then answers `stats` on stdin.
 */
import { createInterface } from "node:readline";
import { splitNodeImage } from "../test/support/armResources.js";
import { startArmServer } from "../test/support/armServer.js";
import { baseClusters, BUCKET, LATENCY_MS, placement, subscriptionIds } from "./sweepFleet.js";

const [root = ".", clusterText = "2000", subscriptionText = "20"] = process.argv.slice(2);
const server = await startArmServer({
  readBucket: BUCKET,
  latencyMs: LATENCY_MS,
  pageSize: 1000,
  latestNodeImage: (_location, current) => {
    const { sku, separator } = splitNodeImage(current);
    return `${sku}${separator}202611.10.0`;
  },
});
const bases = baseClusters(root);
const subscriptions = subscriptionIds(Number(subscriptionText));
for (let i = 0; i < Number(clusterText); i++) {
  const where = placement(i, subscriptions);
  const body = structuredClone(bases[i % bases.length]!);
  body.location = where.location;
  server.putCluster(body, where);
}
process.stdout.write(`${JSON.stringify({ url: server.url, token: server.token })}\n`);

for await (const line of createInterface({ input: process.stdin })) {
  if (line.trim() !== "stats") continue;
  const accepted: Record<string, number> = {};
  for (const request of server.requests) {
    if (request.status === 429) continue;
    const bucket = request.subscription ?? "tenant";
    accepted[bucket] = (accepted[bucket] ?? 0) + 1;
  }
  process.stdout.write(`${JSON.stringify({ accepted, throttled: server.throttled, requests: server.requests.length })}\n`);
}
await server.close();
