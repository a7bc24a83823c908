import type { ClusterRef } from "../../model/snapshot.js";
import type { LifecycleAlert } from "../../model/alerts.js";
import { portalAction, recheckAction, type CardOptions } from "./actions.js";
import {
  adaptiveCard,
  container,
  fact,
  factSet,
  textBlock,
  type AdaptiveCard,
  type CardAction,
  type CardElement,
  type ContainerStyle,
} from "./adaptiveCard.js";
import { clusterName, commandBlock, escapeName, heading, moreLine, smallLine, whereLine } from "./blocks.js";
import { bold, escapeText, md, type Markdown } from "./escape.js";
import { formatUtc } from "./format.js";
import { clusterLink } from "./portalLink.js";
import { fitCard, type Detail } from "./size.js";

/**
 * The keys of `details` a card knows (the event data's own names, see the Event Grid samples);
 * any other key is shown as it is.
 */
const DETAIL_LABELS: Record<string, string> = {
  nodePoolName: "Node pool",
  pool: "Node pool",
  kubernetesVersion: "Kubernetes version",
  targetKubernetesVersion: "Target Kubernetes version",
  nodeImageVersion: "Node image",
  targetNodeImageVersion: "Target node image",
  eventSource: "Source",
  eventStatus: "Status",
  eventDetails: "Details",
  eventId: "Maintenance event",
  scheduledTime: "Scheduled for",
  error: "Error",
  errorMessage: "Error",
  supportEndsOn: "Support ends",
};
const MAX_DETAIL_VALUE_CHARS = 200;
/** AKS node pool names: lower-case letters and digits, up to 12 (Windows: 6). */
const POOL_NAME = /^[a-z][a-z0-9]{0,11}$/;
const KUBERNETES_VERSION = /^\d{1,2}\.\d{1,3}(\.\d{1,3})?$/;

interface Story {
  title: Markdown;
  style: ContainerStyle;
  what: Markdown;
  todo: Markdown;
  commands: string[];
}

/**
 * Node pool upgrade failures, version support ending or ended, failed planned maintenance: what
 * happened, where, and what to do (with the `az` command). Always under the size limit.
 */
export function lifecycleCard(alert: LifecycleAlert, options: CardOptions): AdaptiveCard {
  return fitCard(
    (detail) => buildLifecycleCard(alert, options, detail),
    () => adaptiveCard([heading(story(alert).title)]),
  ).card;
}

export function buildLifecycleCard(alert: LifecycleAlert, options: CardOptions, detail: Detail): AdaptiveCard {
  const link = clusterLink(alert.cluster);
  const told = story(alert);
  const when = formatUtc(alert.at);
  const reported = when ? [smallLine(md`Reported ${when}`, true)] : [];
  const body: CardElement[] = [
    container([heading(told.title), whereLine(alert.cluster), ...reported], { style: told.style }),
    textBlock(told.what, { spacing: "Medium" }),
  ];
  const entries = Object.entries(alert.details);
  if (detail.evidence && entries.length > 0) {
    const shown = entries.slice(0, Math.max(detail.items, 1));
    const facts = shown.map(([key, value]) => fact(escapeText(DETAIL_LABELS[key] ?? key, 60), escapeText(value, MAX_DETAIL_VALUE_CHARS)));
    body.push(factSet(facts));
    body.push(...moreLine(entries.length - shown.length, ["detail", "details"]));
  }
  body.push(textBlock(md`${bold("What to do")}: ${told.todo}`, { spacing: "Medium" }));
  // The commands name the cluster: only when its id and names passed validation.
  if (detail.fixes && link) body.push(...commandBlock("Run", told.commands));

  const actions: CardAction[] = [];
  if (link) actions.push(portalAction(link));
  if (link && options.channel === "bot") actions.push(recheckAction(link));
  return adaptiveCard(body, actions, told.title);
}

function story(alert: LifecycleAlert): Story {
  const name = bold(clusterName(alert.cluster));
  const details = alert.details;
  const version = details.kubernetesVersion ?? details.targetKubernetesVersion;
  const versionText = version ? escapeText(version, 40) : md`its Kubernetes version`;
  const upgrade = [getUpgrades(alert.cluster), clusterUpgrade(alert.cluster)];
  switch (alert.kind) {
    case "nodePoolUpgradeFailed": {
      const pool = details.nodePoolName ?? details.pool;
      const poolText = pool ? bold(escapeName(pool)) : md`a node pool`;
      return {
        title: pool ? md`${name}: node pool ${escapeName(pool)} failed to upgrade` : md`${name}: a node pool failed to upgrade`,
        style: "attention",
        what: md`The rolling upgrade of ${poolText} failed. Its nodes may run mixed versions until the upgrade runs again.`,
        todo: md`find the cause in the cluster's activity log (quota, a PodDisruptionBudget that blocks draining, a failing node), fix it, then run the upgrade again.`,
        commands: [
          poolUpgrade(alert.cluster, pool, {
            kubernetesVersion: details.targetKubernetesVersion ?? details.kubernetesVersion,
            nodeImage: details.targetNodeImageVersion ?? details.nodeImageVersion,
          }),
        ],
      };
    }
    case "supportEnding":
      return {
        title: md`${name}: support for Kubernetes ${version ? escapeText(version, 40) : md`its version`} is ending`,
        style: "warning",
        what: md`The cluster runs ${versionText}, which is about to leave AKS support: after that it gets no security fixes and no platform support.`,
        todo: md`pick a supported version and upgrade the control plane and the node pools before support ends.`,
        commands: upgrade,
      };
    case "supportEnded":
      return {
        title: md`${name}: support for Kubernetes ${version ? escapeText(version, 40) : md`its version`} has ended`,
        style: "attention",
        what: md`The cluster runs ${versionText}, which AKS no longer supports: it gets no security fixes, and upgrades may have to step through several minor versions.`,
        todo: md`upgrade now, one minor version at a time.`,
        commands: upgrade,
      };
    case "maintenanceFailed": {
      const nodeImage = /image|vhd/i.test(`${details.eventSource ?? ""} ${details.eventDetails ?? ""}`);
      const what = details.eventDetails ? md` (${escapeText(details.eventDetails, MAX_DETAIL_VALUE_CHARS)})` : md``;
      return {
        title: md`${name}: planned maintenance failed`,
        style: "attention",
        what: md`A planned maintenance run${what} failed; the cluster stays on what it ran before.`,
        todo: md`check the cluster's activity log for the failed operation, then run the upgrade by hand or wait for the next maintenance window.`,
        commands: nodeImage ? [nodeImageUpgrade(alert.cluster)] : upgrade,
      };
    }
  }
}

function getUpgrades(ref: ClusterRef): string {
  return `az aks get-upgrades -g ${ref.resourceGroup} -n ${ref.name} -o table`;
}

function clusterUpgrade(ref: ClusterRef): string {
  return `az aks upgrade -g ${ref.resourceGroup} -n ${ref.name} --kubernetes-version <version>`;
}

function nodeImageUpgrade(ref: ClusterRef): string {
  return `az aks upgrade -g ${ref.resourceGroup} -n ${ref.name} --node-image-only`;
}

function poolUpgrade(
  ref: ClusterRef,
  pool: string | undefined,
  { kubernetesVersion, nodeImage }: { kubernetesVersion?: string | undefined; nodeImage?: string | undefined },
): string {
  const poolName = pool && POOL_NAME.test(pool) ? pool : "<pool>";
  const target =
    kubernetesVersion && KUBERNETES_VERSION.test(kubernetesVersion)
      ? `--kubernetes-version ${kubernetesVersion}`
      : nodeImage
        ? "--node-image-only"
        : "--kubernetes-version <version>";
  return `az aks nodepool upgrade -g ${ref.resourceGroup} --cluster-name ${ref.name} -n ${poolName} ${target}`;
}
