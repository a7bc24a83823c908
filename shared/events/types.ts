import type { ClusterRef } from "../model/snapshot.js";
import type { Actor } from "../model/alerts.js";

/** The six events a managed cluster's own Microsoft.ContainerService system topic sends. */
export const AKS_SIGNALS = [
  "NewKubernetesVersionAvailable",
  "ClusterSupportEnding",
  "ClusterSupportEnded",
  "NodePoolRollingStarted",
  "NodePoolRollingSucceeded",
  "NodePoolRollingFailed",
] as const;
export type AksSignal = (typeof AKS_SIGNALS)[number];

export const MAINTENANCE_STATUSES = ["Scheduled", "Started", "Completed", "Cancelled", "Failed"] as const;
export type MaintenanceStatus = (typeof MAINTENANCE_STATUSES)[number];

/** What every parsed event keeps of its envelope. */
export interface EventEnvelope {
  id: string;
  /** The event type as sent, e.g. `Microsoft.ContainerService.NodePoolRollingFailed`. */
  type: string;
  schema: "eventGrid" | "cloudEvents";
  /** ISO time of the event (eventTime / time), when it had one. */
  time?: string;
  subject?: string;
}

/** A Microsoft.ContainerService event: little payload, a "re-check this cluster now". */
export interface AksSignalEvent extends EventEnvelope {
  kind: "aksSignal";
  signal: AksSignal;
  cluster: ClusterRef;
  /** The event data's string values (nodePoolName, kubernetesVersion, ...), capped. */
  details: Record<string, string>;
}

/** Microsoft.Resources.ResourceWriteSuccess for a managed cluster or one of its agent pools. */
export interface ResourceWriteEvent extends EventEnvelope {
  kind: "resourceWrite";
  cluster: ClusterRef;
  /** The resource written: the cluster or `…/agentPools/{name}`. */
  resourceId: string;
  target: "cluster" | "agentPool";
  actor?: Actor;
}

/** Microsoft.Resources.ResourceDeleteSuccess: the cluster, or one of its agent pools (then the cluster changed). */
export interface ResourceDeleteEvent extends EventEnvelope {
  kind: "resourceDelete";
  cluster: ClusterRef;
  resourceId: string;
  target: "cluster" | "agentPool";
  actor?: Actor;
}

/** Microsoft.ResourceNotifications.Resources.CreatedOrUpdated of a managed cluster: the whole resource. */
export interface ArnUpsertEvent extends EventEnvelope {
  kind: "arnUpsert";
  cluster: ClusterRef;
  /** The ARM resource body (id, name, type, location, tags, properties) as in `data.resourceInfo`. */
  resource: Record<string, unknown>;
  apiVersion?: string;
  /** `data.operationalInfo.resourceEventTime` (ISO, UTC): when the resource was in this state. */
  resourceEventTime?: string;
}

export interface ArnDeleteEvent extends EventEnvelope {
  kind: "arnDelete";
  cluster: ClusterRef;
}

/** Microsoft.ResourceNotifications.ContainerServiceEventResources.ScheduledEventEmitted. */
export interface ScheduledMaintenanceEvent extends EventEnvelope {
  kind: "scheduledMaintenance";
  clusters: ClusterRef[];
  status: MaintenanceStatus;
  /** eventId, eventSource, eventDetails, scheduledTime, description (when given). */
  details: Record<string, string>;
}

/** Any other event type: acknowledged and logged, never an error. */
export interface UnknownEvent extends EventEnvelope {
  kind: "unknown";
}

export type ClusterEvent =
  | AksSignalEvent
  | ResourceWriteEvent
  | ResourceDeleteEvent
  | ArnUpsertEvent
  | ArnDeleteEvent
  | ScheduledMaintenanceEvent
  | UnknownEvent;

/**
 * Input that will never be processable, however often Event Grid delivers it: acknowledged (never
 * retried, never a 400) with a one-line reason.
 */
export class PermanentEventError extends Error {
  override readonly name = "PermanentEventError";
  constructor(
    reason: string,
    /** The event id, when the input had a usable one. */
    readonly eventId?: string,
    readonly eventType?: string,
  ) {
    super(reason);
  }
}
