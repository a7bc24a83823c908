/**
 * The event handler's dependencies from the validated settings: built once per Functions instance
 * (lazily, on the first event), except the ARM reader, which is made per event so that what it caches
 * (latest node images, Kubernetes versions, the Defender plan) is never older than one invocation.
 */
import { defaultProfile, loadProfile } from "../baseline/profile.js";
import type { Settings } from "../config/settings.js";
import type { MonitorSettings } from "../monitor/pipeline.js";
import { connectArm, type ArmConnection } from "../sources/arm/armConnection.js";
import { ClusterReader } from "../sources/arm/clusterReader.js";
import { KubeNodeReader } from "../sources/kube/nodeReader.js";
import { configuredStore } from "../store/configuredStore.js";
import type { TableStore } from "../store/tableStore.js";
import type { EventDeps } from "./handle.js";

export interface EventRuntime {
  store: TableStore;
  connection: ArmConnection;
  monitorSettings: MonitorSettings;
  readNodes: boolean;
  settleMs: number;
  /** MONITOR_SUBSCRIPTIONS: the subscriptions whose events are processed (empty: none, as for the sweep). */
  subscriptions: readonly string[];
}

export async function eventRuntime(settings: Settings): Promise<EventRuntime> {
  const profile = settings.AKSMON_PROFILE ? await loadProfile(settings.AKSMON_PROFILE) : defaultProfile;
  const connection = await connectArm({
    endpoint: settings.AZURE_RESOURCE_MANAGER_ENDPOINT,
    ...(settings.AZURE_ACCESS_TOKEN ? { accessToken: settings.AZURE_ACCESS_TOKEN } : {}),
  });
  // In Azure, storage is always configured (AzureWebJobsStorage at least): never an embedded emulator.
  const store = await configuredStore(settings);
  return {
    store,
    connection,
    readNodes: settings.AKSMON_READ_NODES,
    subscriptions: settings.MONITOR_SUBSCRIPTIONS,
    settleMs: Math.round(settings.EVENT_SETTLE_SECONDS * 1000),
    monitorSettings: {
      profile,
      minSeverity: settings.ALERT_MIN_SEVERITY,
      cooldownMinutes: settings.ALERT_COOLDOWN_MINUTES,
      flapWindowHours: settings.FLAP_WINDOW_HOURS,
      flapThreshold: settings.FLAP_THRESHOLD,
    },
  };
}

/** The deps of one invocation: the instance's store and settings, a fresh reader. */
export function eventDeps(runtime: EventRuntime, now: () => Date = () => new Date()): EventDeps {
  const reader = new ClusterReader(runtime.connection, runtime.readNodes ? { nodes: new KubeNodeReader(runtime.connection) } : {});
  return { store: runtime.store, reader, monitorSettings: runtime.monitorSettings, subscriptions: runtime.subscriptions, now, settleMs: runtime.settleMs };
}
