/**
 * The ARM resources a test server answers with, by id. ARM ids are case-insensitive, so every key is
 * the lower-cased id; bodies are kept exactly as given. Two indexes answer the list routes without a
 * scan: the parent collection (the id minus its name: `.../managedClusters/c/agentPools`) and the
 * subscription plus resource type (`microsoft.containerservice/managedclusters`, as Resource Graph
 * spells types).
 */
import type { Json } from "./httpsServer.js";

export class ArmStore {
  private readonly byId = new Map<string, Json>();
  private readonly indexes = new Map<string, Map<string, Json>>();
  private readonly sorted = new Map<string, Json[]>();

  put(body: Json): void {
    const id: unknown = body.id;
    if (typeof id !== "string" || !/^\/subscriptions\/[^/]+\//i.test(id)) {
      throw new Error(`an ARM resource needs an id starting with /subscriptions/: ${String(id)}`);
    }
    const key = id.toLowerCase();
    this.byId.set(key, body);
    for (const index of indexKeysOf(key)) {
      let entries = this.indexes.get(index);
      if (!entries) this.indexes.set(index, (entries = new Map()));
      entries.set(key, body);
      this.sorted.delete(index);
    }
  }

  get(id: string): Json | undefined {
    return this.byId.get(id.toLowerCase());
  }

  /** Removes the resource and everything below it (a cluster's pools, profiles, settings). */
  remove(id: string): boolean {
    const key = id.toLowerCase().replace(/\/+$/, "");
    const doomed = [...this.byId.keys()].filter((k) => k === key || k.startsWith(`${key}/`));
    for (const k of doomed) {
      this.byId.delete(k);
      for (const index of indexKeysOf(k)) {
        this.indexes.get(index)?.delete(k);
        this.sorted.delete(index);
      }
    }
    return doomed.length > 0;
  }

  /** The resources whose id is `<collectionPath>/<name>`, ordered by id. */
  children(collectionPath: string): Json[] {
    return this.sortedIndex(`c:${collectionPath.toLowerCase()}`);
  }

  /** The resources of one type in one subscription, ordered by id; type as `namespace/type[/child]`. */
  ofType(subscriptionId: string, type: string): Json[] {
    return this.sortedIndex(`t:${subscriptionId.toLowerCase()}|${type.toLowerCase()}`);
  }

  /** Every subscription that holds at least one resource. */
  subscriptions(): string[] {
    const found = new Set<string>();
    for (const key of this.byId.keys()) found.add(key.split("/")[2] ?? "");
    return [...found];
  }

  clear(): void {
    this.byId.clear();
    this.indexes.clear();
    this.sorted.clear();
  }

  get size(): number {
    return this.byId.size;
  }

  private sortedIndex(index: string): Json[] {
    let list = this.sorted.get(index);
    if (!list) {
      const entries = this.indexes.get(index);
      list = entries ? [...entries.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, body]) => body) : [];
      this.sorted.set(index, list);
    }
    return list;
  }
}

function indexKeysOf(key: string): string[] {
  const collection = key.slice(0, key.lastIndexOf("/"));
  const subscription = key.split("/")[2] ?? "";
  return [`c:${collection}`, `t:${subscription}|${resourceTypeOf(key)}`];
}

/**
 * `microsoft.containerservice/managedclusters/agentpools` for a pool id; for an extension resource
 * (`<cluster id>/providers/Microsoft.Security/assessments/x`) the type after the last `providers`.
 */
export function resourceTypeOf(id: string): string {
  const segments = id.toLowerCase().split("/").filter(Boolean);
  const at = segments.lastIndexOf("providers");
  if (at < 0 || at + 2 >= segments.length) return "";
  const types = [segments[at + 1]];
  for (let i = at + 2; i < segments.length; i += 2) types.push(segments[i]);
  return types.join("/");
}
