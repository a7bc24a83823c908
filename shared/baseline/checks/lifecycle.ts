import type { KubernetesVersion, MaintenanceConfiguration } from "@azure/arm-containerservice";
import type { NodeFacts } from "../../model/snapshot.js";
import { minorVersion, sameText, textIn } from "../clusterFields.js";
import {
  imageDateText,
  nodeImageAgeDays,
  nodeImageLag,
  parseNodeImageVersion,
  sameNodeImage,
} from "../nodeImageVersion.js";
import { everyPool, fail, missingData, notApplicable, pass, readPart, withNote } from "../outcome.js";
import type { Check, CheckOutcome, ErrorKind, Evidence, PoolView } from "../types.js";

const AUTO_UPGRADE_SCHEDULE = "aksManagedAutoUpgradeSchedule";
const NODE_OS_SCHEDULE = "aksManagedNodeOSUpgradeSchedule";
const HOUR_MS = 3_600_000;

export const lifecycleChecks: Check[] = [
  {
    id: "cluster-auto-upgrade",
    title: "A Kubernetes auto-upgrade channel is set",
    category: "lifecycle",
    severity: "medium",
    rationale:
      "Without an auto-upgrade channel the cluster drifts onto unpatched and then unsupported Kubernetes versions unless someone upgrades it by hand.",
    remediation: {
      text: "Set an auto-upgrade channel from the allowed set (patch, stable or rapid by default), and schedule it with a maintenance window.",
      command: "az aks update -g {resourceGroup} -n {name} --auto-upgrade-channel patch",
    },
    references: [
      { source: "Checkov", id: "CKV_AZURE_171" },
      { source: "Prowler", id: "aks_cluster_auto_upgrade_enabled" },
      { source: "Azure Policy", id: "5c345cdf-2049-47e0-b8fe-b0e96bc2df35" },
      { source: "PSRule", id: "Azure.AKS.AutoUpgrade" },
    ],
    data: "cluster",
    evaluate({ cluster, params }) {
      const channel = cluster.autoUpgradeProfile?.upgradeChannel;
      const allowed = params.allowedUpgradeChannels;
      const evidence = [
        {
          path: "properties.autoUpgradeProfile.upgradeChannel",
          value: channel ?? null,
          expected: `one of ${allowed.join(", ")}`,
        },
      ];
      if (textIn(channel, allowed)) return pass(`Kubernetes auto-upgrade uses the ${channel} channel.`, evidence);
      if (channel === undefined || channel === "") return fail("No Kubernetes auto-upgrade channel is set.", evidence);
      if (sameText(channel, "none")) return fail("Kubernetes auto-upgrade is turned off (channel none).", evidence);
      if (sameText(channel, "node-image")) {
        return fail("The auto-upgrade channel node-image upgrades node images only, never the Kubernetes version.", evidence);
      }
      return fail(`The auto-upgrade channel ${channel} is not one of the allowed channels (${allowed.join(", ")}).`, evidence);
    },
  },
  {
    id: "node-os-auto-upgrade",
    title: "Node OS security patching is automated",
    category: "lifecycle",
    severity: "high",
    rationale:
      "Node OS vulnerabilities are fixed by new node images and security patches; without a managed node OS channel they stay on the nodes until someone reimages them.",
    remediation: {
      text: "Set the node OS upgrade channel to NodeImage (or SecurityPatch), and schedule it with the aksManagedNodeOSUpgradeSchedule maintenance window.",
      command: "az aks update -g {resourceGroup} -n {name} --node-os-upgrade-channel NodeImage",
    },
    references: [
      { source: "Azure Policy", id: "04408ca5-aa10-42ce-8536-98955cdddd4c" },
      { source: "Azure Policy", id: "40f1aee2-4db4-4b74-acb1-c6972e24cca8" },
      { source: "PSRule", id: "Azure.AKS.NodeAutoUpgrade" },
    ],
    data: "cluster",
    evaluate({ cluster }) {
      const nodeOs = cluster.autoUpgradeProfile?.nodeOSUpgradeChannel;
      const channel = cluster.autoUpgradeProfile?.upgradeChannel;
      const evidence = [
        {
          path: "properties.autoUpgradeProfile.nodeOSUpgradeChannel",
          value: nodeOs ?? null,
          expected: "SecurityPatch or NodeImage",
        },
        { path: "properties.autoUpgradeProfile.upgradeChannel", value: channel ?? null, expected: "node-image (alternative)" },
      ];
      if (textIn(nodeOs, ["SecurityPatch", "NodeImage"])) {
        return pass(`Node OS updates are applied automatically through the ${nodeOs} channel.`, evidence);
      }
      if (sameText(channel, "node-image")) {
        return pass("Node OS updates are applied automatically through the node-image auto-upgrade channel.", evidence);
      }
      if (sameText(nodeOs, "Unmanaged")) {
        return fail(
          "The node OS channel is Unmanaged: nodes install OS updates themselves and need kured or a person to reboot them.",
          evidence,
        );
      }
      if (sameText(nodeOs, "None")) return fail("Node OS updates are turned off (channel None).", evidence);
      return fail(
        nodeOs === undefined || nodeOs === ""
          ? "No node OS upgrade channel is set."
          : `The node OS upgrade channel ${nodeOs} does not patch nodes automatically.`,
        evidence,
      );
    },
  },
  {
    id: "supported-k8s-version",
    title: "The control plane runs a supported Kubernetes minor version",
    category: "lifecycle",
    severity: "high",
    rationale:
      "A minor version out of support gets no security fixes and no AKS support; clusters on it are eventually force-upgraded.",
    remediation: {
      text: "Upgrade the control plane to a supported minor version (one minor at a time), or move to the AKS Long Term Support plan for an LTS minor.",
      command: "az aks upgrade -g {resourceGroup} -n {name} --kubernetes-version <version> --control-plane-only",
    },
    references: [
      { source: "Azure Policy", id: "fb893a29-21bb-418c-a157-e99480ec364c" },
      { source: "PSRule", id: "Azure.AKS.Version" },
    ],
    data: "external",
    evaluate({ cluster, snapshot }) {
      const current = cluster.currentKubernetesVersion;
      const version = current ?? cluster.kubernetesVersion;
      const minor = minorVersion(version);
      const versionPath = current === undefined ? "properties.kubernetesVersion" : "properties.currentKubernetesVersion";
      if (!minor) return missingData("Not evaluated: the cluster JSON has no Kubernetes version.");
      const read = readPart(snapshot.extras.kubernetesVersions, "the Kubernetes versions supported in the cluster's location");
      if (!read.ok) return read.outcome;
      const listed = read.value.values ?? [];
      if (listed.length === 0) return missingData("Not evaluated: the list of supported Kubernetes versions is empty.");
      const lts = sameText(cluster.supportPlan, "AKSLongTermSupport");
      const entry = listed.find((candidate) => minorVersion(candidate.version) === minor);
      const plans = entry?.capabilities?.supportPlan;
      const evidence: Evidence[] = [
        { path: versionPath, value: version ?? null },
        { path: "properties.supportPlan", value: cluster.supportPlan ?? null },
        {
          path: `kubernetesVersions.values[${minor}]`,
          value: entry ? { isPreview: entry.isPreview ?? false, supportPlan: plans ?? null } : null,
          expected: lts ? "a listed non-preview minor" : "a listed non-preview minor with the KubernetesOfficial plan",
        },
      ];
      const where = cluster.location ? ` in ${cluster.location}` : "";
      if (!entry) {
        const supported = listed.filter((v) => v.isPreview !== true).map((v) => minorVersion(v.version)).filter(Boolean);
        return fail(
          `Kubernetes ${minor} is no longer supported${where} (supported minors: ${supported.join(", ") || "none listed"}).`,
          evidence,
        );
      }
      if (entry.isPreview === true) {
        return fail(`Kubernetes ${minor} is a preview version${where}, which has no support.`, evidence);
      }
      const standard = plans === undefined || plans.length === 0 || textIn("KubernetesOfficial", plans);
      if (!lts && !standard) {
        return fail(
          `Kubernetes ${minor} is supported${where} only under AKS Long Term Support, and the cluster's support plan is ${cluster.supportPlan ?? "KubernetesOfficial (the default)"}.`,
          evidence,
        );
      }
      const plan = lts ? (textIn("AKSLongTermSupport", plans ?? []) ? "on its Long Term Support plan" : "in community support") : "";
      return pass(`Kubernetes ${version} is on a supported minor (${minor}${plan ? `, ${plan}` : ""})${patchNote(version, entry)}.`, evidence);
    },
  },
  {
    id: "pool-version-skew",
    title: "Node pools run the control-plane version",
    category: "lifecycle",
    severity: "medium",
    rationale:
      "Pools left behind the control plane miss Kubernetes fixes, drift toward the unsupported skew limit and make the next upgrade larger.",
    remediation: {
      text: "Upgrade the lagging pools to the control-plane version.",
      command: "az aks nodepool upgrade -g {resourceGroup} --cluster-name {name} -n {pool} --kubernetes-version <control-plane-version>",
    },
    references: [{ source: "PSRule", id: "Azure.AKS.PoolVersion" }],
    data: "cluster",
    evaluate({ cluster, pools, params }) {
      const controlPlane = cluster.currentKubernetesVersion ?? cluster.kubernetesVersion;
      if (!minorVersion(controlPlane)) return missingData("Not evaluated: the cluster JSON has no Kubernetes version.");
      if (pools.length === 0) return missingData("Not evaluated: the snapshot has no node pools.");
      const byMinor = params.poolVersionMatch === "minor" || !/^v?\d+\.\d+\.\d+/.test(controlPlane ?? "");
      const expected = byMinor ? `minor ${minorVersion(controlPlane)}` : `${controlPlane}`;
      const unknown: string[] = [];
      const behind: Array<{ pool: PoolView; version: string; row: Evidence }> = [];
      for (const pool of pools) {
        const current = pool.spec.currentOrchestratorVersion;
        const version = current ?? pool.spec.orchestratorVersion;
        if (!minorVersion(version)) {
          unknown.push(pool.name);
          continue;
        }
        const same = (byMinor || !/^v?\d+\.\d+\.\d+/.test(version ?? ""))
          ? minorVersion(version) === minorVersion(controlPlane)
          : stripV(version) === stripV(controlPlane);
        if (!same) {
          const field = current === undefined ? "orchestratorVersion" : "currentOrchestratorVersion";
          const row = { path: `${pool.path}.${field}`, value: version ?? null, expected };
          behind.push({ pool, version: version ?? "", row });
        }
      }
      if (behind.length > 0) {
        const list = behind.map((b) => `${b.pool.name} (${b.version})`).join(", ");
        return fail(
          `${behind.length} of ${pools.length} node pool(s) do not run control-plane version ${expected}: ${list}.`,
          behind.map((b) => b.row),
        );
      }
      if (unknown.length > 0) {
        return missingData(`Not evaluated: node pool(s) ${unknown.join(", ")} have no orchestrator version.`);
      }
      return pass(`All ${pools.length} node pool(s) run control-plane version ${expected}.`);
    },
  },
  {
    id: "node-image-current",
    title: "Node pools run a current node image",
    category: "lifecycle",
    severity: "high",
    rationale:
      "Node images carry the OS security fixes; a pool on an old image runs known-vulnerable kernels and packages even when Kubernetes is current.",
    remediation: {
      text: "Upgrade the pool's node image (and consider the NodeImage node OS upgrade channel so this happens on a schedule).",
      command: "az aks nodepool upgrade -g {resourceGroup} --cluster-name {name} -n {pool} --node-image-only",
    },
    references: [],
    data: "external",
    evaluate({ snapshot, pools, params, now }) {
      if (pools.length === 0) return missingData("Not evaluated: the snapshot has no node pools.");
      const profiles = snapshot.extras.poolUpgradeProfiles;
      if (profiles === undefined) {
        return missingData("Not evaluated: the snapshot does not include the node pools' upgrade profiles.");
      }
      const failures: Array<{ text: string; row: Evidence }> = [];
      const errors: Array<{ text: string; kind: ErrorKind }> = [];
      const checked: Evidence[] = [];
      const withinLimit: string[] = [];
      for (const pool of pools) {
        const path = `${pool.path}.nodeImageVersion`;
        const read = readPart(profiles[pool.name.toLowerCase()], `the upgrade profile of pool ${pool.name}`);
        if (!read.ok) {
          errors.push({
            text: read.outcome.message.replace(/^Not evaluated: /, "").replace(/\.$/, ""),
            kind: read.outcome.errorKind ?? "missingData",
          });
          continue;
        }
        const currentText = pool.spec.nodeImageVersion;
        const latestText = read.value.latestNodeImageVersion;
        if (!currentText || !latestText) {
          errors.push({
            text: `pool ${pool.name} has no ${currentText ? "latest node image version in its upgrade profile" : "node image version"}`,
            kind: "missingData",
          });
          continue;
        }
        if (sameNodeImage(currentText, latestText)) {
          const windowsAge = windowsPatchAge(pool, currentText, now, params.windowsPatchMaxAgeDays);
          if (windowsAge) {
            failures.push({ text: windowsAge.text, row: { path, value: currentText, expected: windowsAge.expected } });
          } else {
            checked.push({ path, value: currentText, expected: latestText });
          }
          continue;
        }
        const current = parseNodeImageVersion(currentText);
        const latest = parseNodeImageVersion(latestText);
        if (!current || !latest) {
          failures.push({
            text: `${pool.name} runs ${currentText}, not the latest ${latestText} (the version format is not recognised, so only equality was checked)`,
            row: { path, value: currentText, expected: latestText },
          });
          continue;
        }
        const lag = nodeImageLag(current, latest);
        const windowsAge = windowsPatchAge(pool, currentText, now, params.windowsPatchMaxAgeDays);
        if (lag.daysBehind > params.nodeImageMaxAgeDays) {
          failures.push({
            text:
              `${pool.name} is ${lag.daysBehind} days behind (${currentText}, latest ${latestText}` +
              `${lag.skuChanged ? ", a different image SKU" : ""})${windowsAge ? ` and ${windowsAge.short}` : ""}`,
            row: {
              path,
              value: currentText,
              expected: `${latestText}, or at most ${params.nodeImageMaxAgeDays} days older`,
            },
          });
        } else if (windowsAge) {
          failures.push({ text: windowsAge.text, row: { path, value: currentText, expected: windowsAge.expected } });
        } else {
          checked.push({ path, value: currentText, expected: latestText });
          if (lag.daysBehind > 0) withinLimit.push(`${pool.name} is ${lag.daysBehind} days behind`);
          else if (lag.releasesBehind) withinLimit.push(`${pool.name} is ${lag.releasesBehind} same-day release(s) behind`);
        }
      }
      const errorNote = errors.length > 0 ? `; not checked: ${errors.map((e) => e.text).join("; ")}` : "";
      if (failures.length > 0) {
        return fail(
          `${failures.length} of ${pools.length} node pool(s) run an outdated node image: ${failures.map((f) => f.text).join("; ")}${errorNote}.`,
          failures.map((f) => f.row),
        );
      }
      if (errors.length > 0) {
        const kind: ErrorKind = errors.some((e) => e.kind === "readFailed") ? "readFailed" : "missingData";
        return {
          status: "error",
          errorKind: kind,
          message: `Not evaluated for ${errors.length} of ${pools.length} node pool(s): ${errors.map((e) => e.text).join("; ")}.`,
          evidence: [],
        };
      }
      const lagNote = withinLimit.length > 0 ? ` (${withinLimit.join(", ")})` : "";
      return pass(
        `All ${pools.length} node pool(s) run the latest node image or one at most ${params.nodeImageMaxAgeDays} days older${lagNote}.`,
        checked,
      );
    },
  },
  {
    id: "nodes-pending-reboot",
    title: "No node has waited too long for a reboot",
    category: "lifecycle",
    severity: "medium",
    rationale:
      "A node waiting for a reboot has installed kernel or library fixes that are not running yet: it stays exposed until it restarts.",
    remediation: {
      text: "Reboot the waiting nodes (run kured, or drain and restart them), or move to the NodeImage or SecurityPatch node OS channel so AKS reboots nodes inside the maintenance window.",
    },
    references: [],
    data: "external",
    evaluate({ snapshot, params, now }) {
      const read = readPart(snapshot.extras.nodes, "the cluster's Kubernetes nodes");
      if (!read.ok) return read.outcome;
      const nodes = read.value;
      if (nodes.length === 0) return notApplicable("The cluster has no nodes to reboot.");
      const waiting: Array<{ node: NodeFacts; hours: number }> = [];
      const undated: NodeFacts[] = [];
      for (const node of nodes) {
        if (node.rebootRequiredSince === undefined) continue;
        const since = Date.parse(node.rebootRequiredSince);
        if (Number.isNaN(since)) undated.push(node);
        else waiting.push({ node, hours: Math.max(0, (now.getTime() - since) / HOUR_MS) });
      }
      waiting.sort((a, b) => b.hours - a.hours);
      const grace = params.rebootGraceHours;
      const row = (w: { node: NodeFacts; hours: number }): Evidence => ({
        path: `nodes/${w.node.name}.rebootRequiredSince`,
        value: w.node.rebootRequiredSince ?? null,
        expected: `within ${grace} hours`,
      });
      const first = waiting[0];
      if (first && first.hours > grace) {
        const late = waiting.filter((w) => w.hours > grace);
        const signal = first.node.rebootSignal ? `, signal ${first.node.rebootSignal}` : "";
        const others =
          late.length > 1 ? `, and ${late.length - 1} more node(s) are past the ${grace}-hour grace` : ` (grace ${grace} hours)`;
        return fail(
          `Node ${first.node.name} has waited ${Math.floor(first.hours)} hours for a reboot (since ${first.node.rebootRequiredSince}${signal})${others}.`,
          late.map(row),
        );
      }
      if (undated.length > 0) {
        return missingData(
          `Not evaluated: node(s) ${undated.map((n) => n.name).join(", ")} need a reboot but the time it was requested is not a date.`,
          undated.map((node) => ({ path: `nodes/${node.name}.rebootRequiredSince`, value: node.rebootRequiredSince ?? null })),
        );
      }
      if (first) {
        return pass(
          `${waiting.length} of ${nodes.length} node(s) wait for a reboot, the longest ${Math.floor(first.hours)} hours, within the ${grace}-hour grace.`,
          waiting.map(row),
        );
      }
      return pass(`None of the ${nodes.length} node(s) is waiting for a reboot.`);
    },
  },
  {
    id: "maintenance-windows",
    title: "Planned maintenance windows schedule the auto-upgrades",
    category: "lifecycle",
    severity: "low",
    rationale:
      "Without a maintenance window AKS may start a Kubernetes or node OS upgrade at any hour, including peak load.",
    remediation: {
      text: "Add the aksManagedAutoUpgradeSchedule window for the Kubernetes auto-upgrade channel and the aksManagedNodeOSUpgradeSchedule window for the node OS channel (a window only takes effect for a channel that is on).",
      command:
        "az aks maintenanceconfiguration add -g {resourceGroup} --cluster-name {name} -n <aksManagedAutoUpgradeSchedule|aksManagedNodeOSUpgradeSchedule> --schedule-type Weekly --interval-weeks 1 --day-of-week Sunday --start-time 00:00 --duration 4 --utc-offset +00:00",
    },
    references: [
      { source: "Azure Policy", id: "e1352e44-d34d-4e4d-a22e-451a15f759a1" },
      { source: "PSRule", id: "Azure.AKS.MaintenanceWindow" },
    ],
    data: "external",
    evaluate({ cluster, snapshot }) {
      const channel = cluster.autoUpgradeProfile?.upgradeChannel;
      const nodeOs = cluster.autoUpgradeProfile?.nodeOSUpgradeChannel;
      const wanted: Array<{ name: string; why: string }> = [];
      if (channel && !sameText(channel, "none")) {
        wanted.push({ name: AUTO_UPGRADE_SCHEDULE, why: `the ${channel} auto-upgrade channel` });
      }
      if (textIn(nodeOs, ["NodeImage", "SecurityPatch"])) {
        wanted.push({ name: NODE_OS_SCHEDULE, why: `the ${nodeOs} node OS channel` });
      }
      if (wanted.length === 0) {
        const part = snapshot.extras.maintenanceConfigurations;
        const both =
          part?.ok === true &&
          [AUTO_UPGRADE_SCHEDULE, NODE_OS_SCHEDULE].every((name) => findConfig(part.value, name)?.maintenanceWindow);
        if (both) {
          return pass(
            "Both maintenance windows are defined, though no auto-upgrade channel is on for them to schedule.",
            [AUTO_UPGRADE_SCHEDULE, NODE_OS_SCHEDULE].map((name) => ({
              path: `maintenanceConfigurations/${name}.properties.maintenanceWindow`,
              value: windowSummary(findConfig(part.value, name)),
            })),
          );
        }
        return notApplicable(
          "Neither a Kubernetes auto-upgrade channel nor a managed node OS channel is on, so a window would schedule nothing (see cluster-auto-upgrade and node-os-auto-upgrade).",
          [
            { path: "properties.autoUpgradeProfile.upgradeChannel", value: channel ?? null },
            { path: "properties.autoUpgradeProfile.nodeOSUpgradeChannel", value: nodeOs ?? null },
          ],
        );
      }
      const read = readPart(snapshot.extras.maintenanceConfigurations, "the cluster's maintenance configurations");
      if (!read.ok) return read.outcome;
      const rows: Evidence[] = [];
      const missing: string[] = [];
      for (const { name, why } of wanted) {
        const config = findConfig(read.value, name);
        const ok = config?.maintenanceWindow !== undefined;
        rows.push({
          path: `maintenanceConfigurations/${name}.properties.maintenanceWindow`,
          value: windowSummary(config),
          expected: `a window, for ${why}`,
        });
        if (!ok) missing.push(`${name} (for ${why})`);
      }
      if (missing.length > 0) {
        return fail(`The cluster has no maintenance window ${missing.join(" and no ")}.`, rows);
      }
      const unneeded = wanted[0]?.name === AUTO_UPGRADE_SCHEDULE ? NODE_OS_SCHEDULE : AUTO_UPGRADE_SCHEDULE;
      const skipped = wanted.length === 1 ? `; the ${unneeded} window is not needed because its channel is off` : "";
      return pass(`Maintenance windows ${wanted.map((w) => w.name).join(" and ")} schedule the enabled channels${skipped}.`, rows);
    },
  },
  {
    id: "force-upgrade-override-off",
    title: "Upgrade validation is not bypassed",
    category: "lifecycle",
    severity: "low",
    rationale:
      "forceUpgrade skips AKS's upgrade protections, such as the check for deprecated API use, so an upgrade can break workloads.",
    remediation: {
      text: "Turn the force-upgrade override off once the upgrade it was set for is done.",
      command: "az aks update -g {resourceGroup} -n {name} --disable-force-upgrade",
    },
    references: [],
    data: "cluster",
    evaluate({ cluster, now }) {
      const override = cluster.upgradeSettings?.overrideSettings;
      const force = override?.forceUpgrade;
      const until = override?.until && !Number.isNaN(override.until.getTime()) ? override.until : undefined;
      const evidence = [
        { path: "properties.upgradeSettings.overrideSettings.forceUpgrade", value: force ?? null, expected: "not true" },
        {
          path: "properties.upgradeSettings.overrideSettings.until",
          value: until ? until.toISOString() : null,
          expected: `before ${now.toISOString()}`,
        },
      ];
      if (force !== true) return pass("Upgrade validation is not bypassed (forceUpgrade is off).", evidence);
      if (!until) {
        return pass("forceUpgrade is true but no until is set, and AKS applies the override only with one.", evidence);
      }
      if (until.getTime() < now.getTime()) {
        return pass(`forceUpgrade is true but expired at ${until.toISOString()}.`, evidence);
      }
      return fail(`Upgrades bypass AKS's breaking-change validation (forceUpgrade) until ${until.toISOString()}.`, evidence);
    },
  },
  {
    id: "upgrade-surge-configured",
    title: "Node pools define their upgrade surge",
    category: "lifecycle",
    severity: "info",
    rationale:
      "Surge settings decide how fast and how disruptively a pool upgrades; a deliberate maxSurge keeps upgrades predictable.",
    remediation: {
      text: "Set maxSurge on each pool (33% is the usual production value); Spot pools cannot set it.",
      command: "az aks nodepool update -g {resourceGroup} --cluster-name {name} -n {pool} --max-surge 33%",
    },
    references: [{ source: "Checkov", id: "AKSMaxSurge33 (removed from HEAD)" }],
    data: "cluster",
    evaluate({ pools, params }) {
      if (pools.length === 0) return missingData("Not evaluated: the snapshot has no node pools.");
      const spot = pools.filter((pool) => sameText(pool.spec.scaleSetPriority, "Spot"));
      const eligible = pools.filter((pool) => !spot.includes(pool));
      if (eligible.length === 0) {
        return notApplicable(`All node pools are Spot pools, which cannot set maxSurge: ${spot.map((p) => p.name).join(", ")}.`);
      }
      const min = params.minMaxSurgePercent;
      const outcome = everyPool(eligible, {
        field: "upgradeSettings.maxSurge",
        read: (pool) => pool.spec.upgradeSettings?.maxSurge,
        ok: (value, pool) => surgeOk(value, pool, min),
        expected: min > 0 ? `at least ${min}%` : "set",
        what: min > 0 ? `set maxSurge to at least ${min}%` : "set maxSurge",
      });
      return spot.length > 0 ? withNote(outcome, `Spot pool(s) ${spot.map((p) => p.name).join(", ")} cannot set it`) : outcome;
    },
  },
];

function stripV(version: string | undefined): string {
  return (version ?? "").replace(/^v/, "");
}

function patchNote(version: string | undefined, entry: KubernetesVersion): string {
  const patches = Object.keys(entry.patchVersions ?? {});
  if (!version || !/^\d+\.\d+\.\d+/.test(version) || patches.length === 0 || patches.includes(version)) return "";
  const latest = [...patches].sort(comparePatch).at(-1);
  return `, though patch ${version} is no longer offered (latest ${latest})`;
}

function comparePatch(a: string, b: string): number {
  const pa = a.split(".").map(Number);
  const pb = b.split(".").map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const diff = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (diff !== 0) return diff;
  }
  return 0;
}

/**
 * Windows node images are rebuilt monthly after Patch Tuesday: an image older than the limit misses
 * at least one month of Windows fixes, however recent the latest image AKS offers the pool.
 */
function windowsPatchAge(
  pool: PoolView,
  imageText: string,
  now: Date,
  maxDays: number,
): { text: string; short: string; expected: string } | undefined {
  const image = parseNodeImageVersion(imageText);
  if (!image) return undefined;
  if (image.os !== "windows" && !sameText(pool.spec.osType, "Windows")) return undefined;
  const age = nodeImageAgeDays(image, now);
  if (age <= maxDays) return undefined;
  const short = `its Windows image from ${imageDateText(image)} is ${age} days old`;
  return {
    text: `${pool.name} runs a Windows image from ${imageDateText(image)} (${imageText}), ${age} days old, past the ${maxDays}-day monthly patch cycle`,
    short,
    expected: `a Windows image built within ${maxDays} days of ${now.toISOString().slice(0, 10)}`,
  };
}

function findConfig(configs: MaintenanceConfiguration[], name: string): MaintenanceConfiguration | undefined {
  return configs.find((config) => sameText(config.name, name));
}

function windowSummary(config: MaintenanceConfiguration | undefined): unknown {
  const window = config?.maintenanceWindow;
  if (!window) return null;
  return {
    schedule: window.schedule,
    startTime: window.startTime,
    durationHours: window.durationHours,
    utcOffset: window.utcOffset ?? null,
  };
}

function surgeOk(value: unknown, pool: PoolView, minPercent: number): boolean {
  if (typeof value !== "string" || value.trim() === "") return false;
  if (minPercent <= 0) return true;
  const text = value.trim();
  const percent = /^(\d+(?:\.\d+)?)%$/.exec(text);
  if (percent) return Number(percent[1]) >= minPercent;
  const nodes = /^\d+$/.test(text) ? Number(text) : Number.NaN;
  if (Number.isNaN(nodes)) return false;
  const size = pool.spec.count ?? 0;
  return size > 0 ? (nodes / size) * 100 >= minPercent : nodes >= 1;
}

