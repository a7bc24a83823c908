/** The node health a cluster summary keeps (and the digest uses): a pool whose latest image could not be read is never "current". */
import { describe, expect, it } from "vitest";
import { digestPartOf, nodeHealthOf } from "../shared/monitor/digest.js";
import { evaluate } from "../shared/baseline/evaluate.js";
import { defaultProfile } from "../shared/baseline/profile.js";
import { compliantCluster, snapshotOf } from "./support/clusters.js";

describe("nodeHealthOf", () => {
  it("says how far behind a pool is when the latest image was read, and leaves it unknown when it was not", async () => {
    const body = compliantCluster();
    const old = "AKSAzureLinux-V3gen2-202609.01.0";
    body.properties.agentPoolProfiles[0].nodeImageVersion = old;
    const read = await snapshotOf(body, { extras: { poolUpgradeProfiles: { system: { properties: { latestNodeImageVersion: "AKSAzureLinux-V3gen2-202611.10.0" } } } } });
    expect(nodeHealthOf(read).pools).toEqual([expect.objectContaining({ pool: "system", image: old, daysBehind: 70 })]);

    const unread = await snapshotOf(body);
    unread.extras.poolUpgradeProfiles = { system: { ok: false, error: { kind: "throttled", message: "429" } } };
    const [pool] = nodeHealthOf(unread).pools;
    expect(pool).toMatchObject({ pool: "system", image: old });
    expect(pool).not.toHaveProperty("daysBehind");
    expect(digestPartOf(unread, evaluate(unread, defaultProfile)).images).toEqual([]);
  });
});
