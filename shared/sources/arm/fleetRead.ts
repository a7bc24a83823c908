import type { ClusterRef } from "../../model/snapshot.js";
import type { ArmConnection } from "./armConnection.js";
import { ClusterReader, type ClusterRead, type ClusterReaderOptions } from "./clusterReader.js";
import { readInventory, type Inventory, type InventoryScope } from "./inventory.js";

export interface FleetReadOptions extends ClusterReaderOptions {
  /** Clusters read at once across the fleet (ARM requests are further bounded per subscription). */
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
  if (inventory.items.length > 0) await reader.prefetchAssessments(scope.subscriptions);
  const reads = await mapBounded(inventory.items, options.concurrency ?? 32, async (item) => {
    const snapshot = await reader.complete(item.ref, item.cluster);
    return { ok: true, snapshot } satisfies ClusterRead;
  }, options.onProgress);
  return { inventory, reads };
}

/** Reads named clusters live (GET each), as a recheck does. */
export async function readClusters(connection: ArmConnection, refs: readonly ClusterRef[], options: FleetReadOptions = {}): Promise<ClusterRead[]> {
  const reader = new ClusterReader(connection, options);
  return mapBounded(refs, options.concurrency ?? 32, (ref) => reader.read(ref), options.onProgress);
}

/** Maps with at most `limit` calls in flight, keeping the input order. */
export async function mapBounded<T, R>(
  items: readonly T[],
  limit: number,
  map: (item: T) => Promise<R>,
  onProgress?: (done: number, total: number) => void,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  let done = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await map(items[index]!);
      onProgress?.(++done, items.length);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
