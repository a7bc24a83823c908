/**
 * The reader side of the sweep benchmark, in its own process (so its memory is its own): inventory and
 * read every cluster of the fleet through the real SDKs. Env: AZURE_RESOURCE_MANAGER_ENDPOINT,
 * AZURE_ACCESS_TOKEN, NODE_EXTRA_CA_CERTS. argv: subscriptions. Prints the figures as JSON.
 */
import { connectArm } from "../shared/sources/arm/armConnection.js";
import { readFleet } from "../shared/sources/arm/fleetRead.js";
import { subscriptionIds } from "./sweepFleet.js";

const subscriptions = subscriptionIds(Number(process.argv[2] ?? "20"));
let peakRss = process.memoryUsage().rss;
const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 25);
const connection = await connectArm({
  endpoint: process.env.AZURE_RESOURCE_MANAGER_ENDPOINT!,
  accessToken: process.env.AZURE_ACCESS_TOKEN!,
});
const start = performance.now();
const fleet = await readFleet(connection, { subscriptions });
const seconds = (performance.now() - start) / 1000;
clearInterval(sampler);
peakRss = Math.max(peakRss, process.memoryUsage().rss, process.resourceUsage().maxRSS * 1024);
const readFailures = fleet.reads.filter((read) => !read.ok).length;
const partErrors = fleet.reads.reduce((count, read) => {
  if (!read.ok) return count;
  const parts = Object.values(read.snapshot.extras).flatMap((part) =>
    part && typeof part === "object" && "ok" in part ? [part] : Object.values(part ?? {}),
  );
  return count + parts.filter((part) => part && !(part as { ok: boolean }).ok).length;
}, 0);
process.stdout.write(
  `${JSON.stringify({
    seconds,
    clusters: fleet.reads.length,
    inventoried: fleet.inventory.items.length,
    readFailures,
    partErrors,
    traffic: connection.traffic.snapshot(),
    peakRssMb: peakRss / 1024 / 1024,
  })}\n`,
);
