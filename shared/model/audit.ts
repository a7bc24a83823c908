import type { ClusterRef } from "./snapshot.js";

/** What a person (or an evaluation, for exemptions) did that changes what is alerted. */
export type AuditAction = "snooze" | "unsnooze" | "exemptionAdded" | "exemptionRemoved" | "recheck";

/** One row of the append-only audit trail (table `audit`). */
export interface AuditRecord {
  at: string;
  action: AuditAction;
  cluster: ClusterRef;
  /** Who: a Teams user (`Alice (aad <object id>)`), an Easy Auth principal, or `evaluation` for tag exemptions. */
  actor: string;
  /** Where it came from. */
  via: "bot" | "http" | "cli" | "evaluation";
  check?: string;
  /** A snooze's end. */
  until?: string;
  reason?: string;
}
