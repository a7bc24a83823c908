import type { ClusterRef } from "../../model/snapshot.js";
import type { ArmConnection } from "./armConnection.js";
import { ClusterReader, type ClusterRead, type ClusterReaderOptions } from "./clusterReader.js";
import { readInventory, type Inventory, type InventoryScope } from "./inventory.js";
import { mapBounded } from "../../mapBounded.js";

export interface FleetReadOptions extends ClusterReaderOptions {
  /**
   * Clusters read at once per subscription. Subscriptions proceed independently: ARM throttles each on
   * its own, so one throttled subscription must not hold back the others.
   */
  concurrency?: number;
  onProgress?: (done: number, total: number) => void;
}

export interface FleetRead {
  inventory: Inventory;
  reads: ClusterRead[];
}

/**
 * A sweep's read: the inventory (cluster bodies included, from Resource Graph), the fleet's running-image
 * assessments in one query, then every cluster's surroundings, a bounded number of clusters at a time.
 */
export async function readFleet(connection: ArmConnection, scope: InventoryScope, options: FleetReadOptions = {}): Promise<FleetRead> {
  const inventory = await readInventory(connection, scope);
  const reader = new ClusterReader(connection, options);
  // When Resource Graph was refused, the assessments query would be too: each cluster then reads its own.
  if (inventory.items.length > 0 && inventory.source === "resourceGraph") await reader.prefetchAssessments(scope.subscriptions);
  const progress = counter(inventory.items.length, options.onProgress);
  const reads = await mapPerSubscription(inventory.items, (item) => item.ref.subscriptionId, options.concurrency ?? 16, async (item) => {
    const snapshot = await reader.complete(item.ref, item.cluster);
    progress();
    return { ok: true, snapshot } satisfies ClusterRead;
  });
  return { inventory, reads };
}

/** Reads named clusters live (GET each), as a recheck does. */
export async function readClusters(connection: ArmConnection, refs: readonly ClusterRef[], options: FleetReadOptions = {}): Promise<ClusterRead[]> {
  const reader = new ClusterReader(connection, options);
  const progress = counter(refs.length, options.onProgress);
  return mapPerSubscription(refs, (ref) => ref.subscriptionId, options.concurrency ?? 16, async (ref) => {
    const read = await reader.read(ref);
    progress();
    return read;
  });
}

function counter(total: number, onProgress: FleetReadOptions["onProgress"]): () => void {
  let done = 0;
  return () => onProgress?.(++done, total);
}

/** Maps every item, at most `limit` at a time within each subscription, all subscriptions at once; input order kept. */
async function mapPerSubscription<T, R>(
  items: readonly T[],
  subscriptionOf: (item: T) => string,
  limit: number,
  map: (item: T) => Promise<R>,
): Promise<R[]> {
  const groups = new Map<string, number[]>();
  items.forEach((item, index) => {
    const key = subscriptionOf(item).toLowerCase();
    groups.set(key, [...(groups.get(key) ?? []), index]);
  });
  const results = new Array<R>(items.length);
  await Promise.all(
    [...groups.values()].map((indexes) =>
      mapBounded(indexes, limit, async (index) => {
        results[index] = await map(items[index]!);
      }),
    ),
  );
  return results;
}
