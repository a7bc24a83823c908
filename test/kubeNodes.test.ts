/**
 * KubeNodeReader against the local Kubernetes server, reached the way the product reaches a cluster: the
 * kubeconfig from ARM's listClusterUserCredential (the local ARM server points it at the Kubernetes
 * server), then the monitor's own Entra ID token for Entra ID clusters or the kubeconfig's token for the
 * others. Nodes are built from the facts in ../shared/fixtures/k8s/README.md (test/support/aksNode.ts).
 */
import { createServer, type Server, type Socket } from "node:net";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { evaluate } from "../shared/baseline/evaluate.js";
import { defaultProfile } from "../shared/baseline/profile.js";
import { parseClusterId } from "../shared/model/clusterRef.js";
import type { ClusterRef, ClusterSnapshot } from "../shared/model/snapshot.js";
import type { ArmConnection } from "../shared/sources/arm/armConnection.js";
import { ClusterReader } from "../shared/sources/arm/clusterReader.js";
import { KubeNodeReader } from "../shared/sources/kube/nodeReader.js";
import { aksNode, rfc3339, type AksNodeFacts } from "./support/aksNode.js";
import { recordedCluster } from "./support/armFixtures.js";
import { latestNodeImagesBySku } from "./support/armResources.js";
import { startArmServer, type ArmServer } from "./support/armServer.js";
import type { Json } from "./support/httpsServer.js";
import { startKubeServer, type KubeServer } from "./support/kubeServer.js";
import { SUBSCRIPTIONS, connectTo, findingOf, unusedPort } from "./support/liveReads.js";

const [SUB] = SUBSCRIPTIONS;
const HOUR = 3_600_000;
const IMAGE = "AKSUbuntu-1804gen2containerd-2022.04.27";
const KERNEL = "5.4.0-1078-azure";

function refOf(stored: Json): ClusterRef {
  const ref = parseClusterId(String(stored.id))!;
  return { id: ref.id, subscriptionId: ref.subscriptionId, resourceGroup: ref.resourceGroup, name: ref.name };
}

function node(name: string, extra: Partial<AksNodeFacts> = {}): Json {
  return aksNode({ name, pool: "nodepool1", nodeImageVersion: IMAGE, kernelVersion: KERNEL, kubeletVersion: "v1.22.6", ...extra });
}

describe("KubeNodeReader: nodes of an Entra ID cluster, through listClusterUserCredential", () => {
  let arm: ArmServer;
  let kube: KubeServer;
  let connection: ArmConnection;
  let entra: ClusterRef;
  const now = Date.now();
  const at = (hoursAgo: number) => rfc3339(new Date(now - hoursAgo * HOUR));

  /** Five nodes: one cordoned by kured 72 h ago, one with a reboot condition for 50 h, one waiting 2 h, two fine. */
  const waitingNodes = () => [
    node("aks-nodepool1-38290286-vmss000000", { unschedulableSince: at(71), kuredRebootInProgress: at(72) }),
    node("aks-nodepool1-38290286-vmss000001", {
      conditions: [{ type: "RebootRequired", status: "True", lastTransitionTime: at(50), reason: "RebootRequired", message: "/var/run/reboot-required exists" }],
    }),
    node("aks-nodepool1-38290286-vmss000002", { kuredMostRecentRebootNeeded: at(400) }), // kured never deletes this one: not waiting
    node("aks-user1-12345678-vmss000000", { pool: "user1", nodeImageVersion: "AKSUbuntu-2204gen2containerd-202306.19.0", kernelVersion: "5.15.0-1040-azure", kubeletVersion: "v1.22.6", kuredRebootInProgress: at(2) }),
    node("aks-user1-12345678-vmss000001", { pool: "user1", nodeImageVersion: "AKSUbuntu-2204gen2containerd-202306.19.0", kernelVersion: "5.15.0-1040-azure", kubeletVersion: "v1.22.6" }),
  ];

  beforeAll(async () => {
    arm = await startArmServer({ latestNodeImage: latestNodeImagesBySku({}) });
    // The reader asks the same credential for the AKS server application's token: the ARM token here.
    kube = await startKubeServer({ token: arm.token, nodes: waitingNodes() });
    entra = refOf(arm.putCluster(recordedCluster("test_aks_create_enable_azure_rbac"), { subscriptionId: SUB, resourceGroup: "rg-kube", name: "aks-entra" }));
    // AKS kubeconfigs carry the cluster CA; the test CA is also trusted through NODE_EXTRA_CA_CERTS.
    arm.setClusterCredential(entra.id, { server: kube.url, certificateAuthority: kube.ca, token: "not-used-with-entra-id" });
    connection = await connectTo(arm);
  });
  beforeEach(() => {
    arm.reset();
    kube.requests.length = 0;
    kube.setNodes(waitingNodes());
    kube.forbid(false);
  });
  afterAll(async () => {
    await kube.close();
    await arm.close();
  });

  async function readWithNodes(ref: ClusterRef, options: { pageSize?: number; timeoutMs?: number } = {}): Promise<ClusterSnapshot> {
    const read = await new ClusterReader(connection, { nodes: new KubeNodeReader(connection, options) }).read(ref);
    if (!read.ok) throw new Error(read.error.message);
    return read.snapshot;
  }

  it("reads each node's pool, image label, kernel, kubelet, cordoned since, kured and condition reboot signals", async () => {
    const snapshot = await readWithNodes(entra);
    expect(snapshot.extras.nodes).toEqual({
      ok: true,
      value: [
        {
          name: "aks-nodepool1-38290286-vmss000000",
          pool: "nodepool1",
          nodeImageVersion: IMAGE,
          kernelVersion: KERNEL,
          kubeletVersion: "v1.22.6",
          osImage: "Ubuntu 22.04.5 LTS",
          unschedulable: true,
          unschedulableSince: new Date(at(71)).toISOString(),
          rebootRequiredSince: new Date(at(72)).toISOString(),
          rebootSignal: "annotation weave.works/kured-reboot-in-progress",
        },
        {
          name: "aks-nodepool1-38290286-vmss000001",
          pool: "nodepool1",
          nodeImageVersion: IMAGE,
          kernelVersion: KERNEL,
          kubeletVersion: "v1.22.6",
          osImage: "Ubuntu 22.04.5 LTS",
          unschedulable: false,
          rebootRequiredSince: new Date(at(50)).toISOString(),
          rebootSignal: "condition RebootRequired",
        },
        { name: "aks-nodepool1-38290286-vmss000002", pool: "nodepool1", nodeImageVersion: IMAGE, kernelVersion: KERNEL, kubeletVersion: "v1.22.6", osImage: "Ubuntu 22.04.5 LTS", unschedulable: false },
        {
          name: "aks-user1-12345678-vmss000000",
          pool: "user1",
          nodeImageVersion: "AKSUbuntu-2204gen2containerd-202306.19.0",
          kernelVersion: "5.15.0-1040-azure",
          kubeletVersion: "v1.22.6",
          osImage: "Ubuntu 22.04.5 LTS",
          unschedulable: false,
          rebootRequiredSince: new Date(at(2)).toISOString(),
          rebootSignal: "annotation weave.works/kured-reboot-in-progress",
        },
        {
          name: "aks-user1-12345678-vmss000001",
          pool: "user1",
          nodeImageVersion: "AKSUbuntu-2204gen2containerd-202306.19.0",
          kernelVersion: "5.15.0-1040-azure",
          kubeletVersion: "v1.22.6",
          osImage: "Ubuntu 22.04.5 LTS",
          unschedulable: false,
        },
      ],
    });
    // One kubeconfig from ARM, then the nodes with the Entra ID token.
    expect(arm.countsByKind().listClusterUserCredential).toBe(1);
    expect(kube.requests.map((r) => [r.path, r.status])).toEqual([["/api/v1/nodes", 200]]);
  });

  it("nodes-pending-reboot fails with the longest wait first when nodes are past the grace", async () => {
    const snapshot = await readWithNodes(entra);
    const finding = findingOf(evaluate(snapshot, defaultProfile, new Date(now)), "nodes-pending-reboot");
    expect(finding.status).toBe("fail");
    expect(finding.message).toBe(
      `Node aks-nodepool1-38290286-vmss000000 has waited 72 hours for a reboot (since ${new Date(at(72)).toISOString()}, ` +
        "signal annotation weave.works/kured-reboot-in-progress), and 1 more node(s) are past the 48-hour grace.",
    );
    expect(finding.evidence.map((row) => row.path)).toEqual([
      "nodes/aks-nodepool1-38290286-vmss000000.rebootRequiredSince",
      "nodes/aks-nodepool1-38290286-vmss000001.rebootRequiredSince",
    ]);
    // Every other check still evaluates: no missingData left once nodes are read.
    const evaluation = evaluate(snapshot, defaultProfile, new Date(now));
    expect(evaluation.findings.filter((f) => f.errorKind === "missingData")).toEqual([]);
  });

  it("nodes-pending-reboot passes when no node has waited longer than the grace, or none waits", async () => {
    kube.setNodes([node("aks-nodepool1-38290286-vmss000000", { kuredRebootInProgress: at(2) }), node("aks-nodepool1-38290286-vmss000001")]);
    const waiting = findingOf(evaluate(await readWithNodes(entra), defaultProfile, new Date(now)), "nodes-pending-reboot");
    expect(waiting).toMatchObject({ status: "pass", message: "1 of 2 node(s) wait for a reboot, the longest 2 hours, within the 48-hour grace." });

    kube.setNodes([node("aks-nodepool1-38290286-vmss000000"), node("aks-nodepool1-38290286-vmss000001", { kuredMostRecentRebootNeeded: at(300) })]);
    const none = findingOf(evaluate(await readWithNodes(entra), defaultProfile, new Date(now)), "nodes-pending-reboot");
    expect(none).toMatchObject({ status: "pass", message: "None of the 2 node(s) is waiting for a reboot." });
  });

  it("pages through the node list with limit and continue", async () => {
    const snapshot = await readWithNodes(entra, { pageSize: 2 });
    const nodes = snapshot.extras.nodes;
    expect(nodes?.ok && nodes.value.map((n) => n.name)).toEqual([
      "aks-nodepool1-38290286-vmss000000",
      "aks-nodepool1-38290286-vmss000001",
      "aks-nodepool1-38290286-vmss000002",
      "aks-user1-12345678-vmss000000",
      "aks-user1-12345678-vmss000001",
    ]);
    expect(kube.requests.map((r) => [r.query.limit, r.query.continue !== undefined])).toEqual([
      ["2", false],
      ["2", true],
      ["2", true],
    ]);
  });

  it("a 403 from Kubernetes (no RBAC read role) is a forbidden read error and nodes-pending-reboot says error", async () => {
    kube.forbid();
    const snapshot = await readWithNodes(entra);
    expect(snapshot.extras.nodes).toEqual({
      ok: false,
      error: {
        kind: "forbidden",
        status: 403,
        message: 'Kubernetes API: nodes is forbidden: User "clusterUser" cannot list resource "nodes" in API group "" at the cluster scope',
      },
    });
    const finding = findingOf(evaluate(snapshot, defaultProfile, new Date(now)), "nodes-pending-reboot");
    expect(finding).toMatchObject({ status: "error", errorKind: "readFailed" });
    expect(finding.message).toMatch(/^Could not read the cluster's Kubernetes nodes: forbidden \(HTTP 403\): Kubernetes API: nodes is forbidden/);
  });

  it("a 401 from Kubernetes (a token the API server does not accept) is a forbidden read error", async () => {
    const other = await startKubeServer({ token: "a-token-the-monitor-does-not-have", nodes: waitingNodes() });
    try {
      const ref = refOf(arm.putCluster(recordedCluster("test_aks_create_enable_azure_rbac"), { subscriptionId: SUB, resourceGroup: "rg-kube", name: "aks-entra-401" }));
      arm.setClusterCredential(ref.id, { server: other.url });
      const snapshot = await readWithNodes(ref);
      expect(snapshot.extras.nodes).toMatchObject({ ok: false, error: { kind: "forbidden", status: 401 } });
      expect(other.requests.map((r) => r.status)).toEqual([401]);
      expect(findingOf(evaluate(snapshot, defaultProfile), "nodes-pending-reboot")).toMatchObject({ status: "error", errorKind: "readFailed" });
    } finally {
      await other.close();
    }
  });

  it("a cluster without Entra ID is read with its kubeconfig's own token", async () => {
    const local = await startKubeServer({ token: "local-account-token", nodes: [node("aks-nodepool1-1-vmss000000", { kuredRebootInProgress: at(60) })] });
    try {
      const ref = refOf(arm.putCluster(recordedCluster("test_aks_create_node_public_ip"), { subscriptionId: SUB, resourceGroup: "rg-kube", name: "aks-local" }));
      arm.setClusterCredential(ref.id, { server: local.url, token: "local-account-token" });
      const snapshot = await readWithNodes(ref);
      expect(snapshot.extras.nodes).toMatchObject({ ok: true, value: [{ name: "aks-nodepool1-1-vmss000000", rebootSignal: "annotation weave.works/kured-reboot-in-progress" }] });
      expect(findingOf(evaluate(snapshot, defaultProfile, new Date(now)), "nodes-pending-reboot")).toMatchObject({ status: "fail" });
    } finally {
      await local.close();
    }
  });

  it("a 403 on listClusterUserCredential (no Cluster User role) is a forbidden read error", async () => {
    arm.fault({ match: (r) => r.kind === "listClusterUserCredential", status: 403 });
    const snapshot = await readWithNodes(entra);
    expect(snapshot.extras.nodes).toMatchObject({ ok: false, error: { kind: "forbidden", status: 403 } });
    expect(snapshot.extras.nodes?.ok === false && snapshot.extras.nodes.error.message).toMatch(/listclusterusercredential\/action/i);
    expect(kube.requests).toEqual([]);
  });
});

describe("KubeNodeReader: a private cluster the monitor cannot reach", () => {
  let arm: ArmServer;
  let connection: ArmConnection;
  let privateRef: ClusterRef;
  let silent: Server;
  const sockets = new Set<Socket>();

  beforeAll(async () => {
    arm = await startArmServer({ latestNodeImage: latestNodeImagesBySku({}) });
    privateRef = refOf(arm.putCluster(recordedCluster("test_aks_create_private_cluster_then_update"), { subscriptionId: SUB, resourceGroup: "rg-private", name: "aks-private" }));
    connection = await connectTo(arm);
    // Accepts TCP connections and never answers (a private endpoint whose traffic goes nowhere).
    silent = createServer((socket) => {
      sockets.add(socket);
      socket.on("close", () => sockets.delete(socket));
    });
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
  });
  afterAll(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => silent.close(resolve));
    await arm.close();
  });

  async function nodesOf(ref: ClusterRef, timeoutMs = 5_000) {
    const read = await new ClusterReader(connection, { nodes: new KubeNodeReader(connection, { timeoutMs }) }).read(ref);
    if (!read.ok) throw new Error(read.error.message);
    return { nodes: read.snapshot.extras.nodes, finding: findingOf(evaluate(read.snapshot, defaultProfile), "nodes-pending-reboot") };
  }

  const unreachable = /^Could not read the cluster's Kubernetes nodes: (unavailable|timeout): the private cluster's API server is not reachable from the monitor's network/;

  it("connection refused: reported as a private cluster that is not reachable, never a pass", async () => {
    arm.setClusterCredential(privateRef.id, { server: `https://127.0.0.1:${await unusedPort()}` });
    const { nodes, finding } = await nodesOf(privateRef);
    expect(nodes).toEqual({
      ok: false,
      error: { kind: "unavailable", message: "the private cluster's API server is not reachable from the monitor's network (ECONNREFUSED)" },
    });
    expect(finding).toMatchObject({ status: "error", errorKind: "readFailed" });
    expect(finding.message).toMatch(unreachable);
  });

  it("a private FQDN that does not resolve from the monitor's network: the same", async () => {
    arm.setClusterCredential(privateRef.id, { server: "https://aks-private.invalid:443" });
    const { nodes, finding } = await nodesOf(privateRef);
    expect(nodes).toMatchObject({ ok: false, error: { kind: "unavailable" } });
    expect(nodes?.ok === false && nodes.error.message).toMatch(/^the private cluster's API server is not reachable from the monitor's network \((ENOTFOUND|EAI_AGAIN)\)$/);
    expect(finding.message).toMatch(unreachable);
  });

  it("an address that never answers: a timeout, reported as not reachable", async () => {
    const address = silent.address();
    const port = typeof address === "object" && address ? address.port : 0;
    arm.setClusterCredential(privateRef.id, { server: `https://127.0.0.1:${port}` });
    const started = Date.now();
    const { nodes, finding } = await nodesOf(privateRef, 300);
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(nodes).toEqual({
      ok: false,
      error: { kind: "timeout", message: "the private cluster's API server is not reachable from the monitor's network (timeout)" },
    });
    expect(finding).toMatchObject({ status: "error", errorKind: "readFailed" });
    expect(finding.message).toMatch(unreachable);
  });

  it("a public cluster that does not answer says so without calling it private", async () => {
    const ref = refOf(arm.putCluster(recordedCluster("test_aks_create_node_public_ip"), { subscriptionId: SUB, resourceGroup: "rg-private", name: "aks-public" }));
    arm.setClusterCredential(ref.id, { server: `https://127.0.0.1:${await unusedPort()}` });
    const { nodes } = await nodesOf(ref);
    expect(nodes).toEqual({ ok: false, error: { kind: "unavailable", message: "the API server did not answer (ECONNREFUSED)" } });
  });
});
