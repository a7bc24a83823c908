/**
 * What the Teams bot needs and offers, as types only: importing this module loads nothing of the bot
 * stack (`@microsoft/teams-ai`, botbuilder), which `loadTeamsBot()` loads on demand.
 */
import type { AuditRecord } from "../../model/audit.js";
import type { ClusterRef } from "../../model/snapshot.js";
import type { SummaryPage } from "../../store/clusterSummaries.js";
import type { ClusterState, ClusterSummaryRecord, ConversationRecord, Suppression } from "../../store/types.js";

/** What the bot needs of the store (shared/store/tableStore.ts implements it). */
export interface BotStore {
  saveConversation(record: ConversationRecord): Promise<void>;
  removeConversation(id: string): Promise<void>;
  listConversations(): Promise<ConversationRecord[]>;
  setSuppression(ref: ClusterRef, suppression: Suppression): Promise<void>;
  removeSuppression(ref: ClusterRef, check: string): Promise<void>;
  /** The append-only audit trail: every snooze and unsnooze is recorded before it is made. */
  recordAudit(record: AuditRecord): Promise<void>;
  listSuppressions(ref: ClusterRef, now: string): Promise<Suppression[]>;
  loadClusterState(ref: ClusterRef): Promise<ClusterState>;
  getClusterSummary(ref: ClusterRef): Promise<ClusterSummaryRecord | undefined>;
  listClusterSummaries(options?: { subscriptionId?: string; continuation?: string; pageSize?: number }): Promise<SummaryPage>;
}

/** The verdict of a recheck, in a few lines for the reply (the pipeline writes it; the bot escapes it). */
export type RecheckResult = { summary: string } | { error: string };

/**
 * Evaluates a cluster now (the pipeline provides it). `clusterId` has been validated (a managed
 * cluster's id following the ARM naming rules); `requestedBy` names the Teams user. It should answer
 * within a few seconds (Teams waits about 15 s for the bot), with an error that says so when ARM is slow.
 */
export type Recheck = (clusterId: string, requestedBy: string) => Promise<RecheckResult>;

/** The user behind an activity, for `requestedBy` and a snooze's author. */
export interface TeamsUser {
  name?: string;
  aadObjectId?: string;
  id?: string;
}

/** The bot's diagnostics (errors in a turn, failed proactive sends). Never given secrets. */
export type BotLog = (message: string, error?: unknown) => void;
