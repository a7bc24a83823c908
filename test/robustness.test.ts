/**
 * Checks never throw on what ARM or the Azure CLI can send: any field may be null (the CLI prints
 * unset fields as null) or absent. A crash would surface as `error` (checkFailed): this proves none do.
 * The event parser reads exactly what a generated event says: its kind and every field, in both schemas.
 */
import fc from "fast-check";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { catalogue } from "../shared/baseline/catalogue.js";
import { evaluate } from "../shared/baseline/evaluate.js";
import { resolveProfile } from "../shared/baseline/profile.js";
import { parseEvent } from "../shared/events/parse.js";
import { AKS_SIGNALS, MAINTENANCE_STATUSES, type ClusterEvent } from "../shared/events/types.js";
import type { ClusterRef } from "../shared/model/snapshot.js";
import { compliantCluster, NOW, snapshotOf, type Json } from "./support/clusters.js";

const everyCheck = resolveProfile({ checks: Object.fromEntries(catalogue.map((check) => [check.id, true])) }, "all");

/** The evaluation of an edited document, or undefined when the SDK's own mapper refuses it (a clear input error). */
async function evaluateEdited(document: Json) {
  try {
    return evaluate(await snapshotOf(document), everyCheck, NOW);
  } catch (error) {
    expect(String(error)).toMatch(/is not a readable managed cluster/);
    return undefined;
  }
}

/** Every path to a value inside a JSON document. */
function paths(value: unknown, prefix: Array<string | number> = []): Array<Array<string | number>> {
  if (Array.isArray(value)) return value.flatMap((item, index) => [[...prefix, index], ...paths(item, [...prefix, index])]);
  if (typeof value === "object" && value !== null) {
    return Object.entries(value).flatMap(([key, item]) => [[...prefix, key], ...paths(item, [...prefix, key])]);
  }
  return [];
}

function edit(document: Json, path: Array<string | number>, how: "null" | "delete" | "empty"): void {
  let parent: any = document;
  for (const key of path.slice(0, -1)) parent = parent?.[key];
  const last = path[path.length - 1]!;
  if (parent === null || typeof parent !== "object") return;
  if (how === "delete" && !Array.isArray(parent)) delete parent[last];
  else if (how === "empty") parent[last] = Array.isArray(parent[last]) ? [] : typeof parent[last] === "object" ? {} : "";
  else parent[last] = null;
}

const bases: Json[] = [
  compliantCluster(),
  JSON.parse(readFileSync(join(import.meta.dirname, "..", "examples", "fleet", "prod-weu-payments.json"), "utf8")),
];

describe("checks on null, empty and missing fields", () => {
  for (const [index, base] of bases.entries()) {
    const all = paths(base).filter((path) => !(path.length === 1 && ["id", "type"].includes(String(path[0]))));
    it(`never fail as an engine error when any of ${all.length} fields of base ${index} is nulled, emptied or removed`, async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.array(fc.tuple(fc.constantFrom(...all), fc.constantFrom("null", "delete", "empty") as fc.Arbitrary<"null" | "delete" | "empty">), {
            minLength: 1,
            maxLength: 12,
          }),
          async (edits) => {
            const document = structuredClone(base);
            for (const [path, how] of edits) edit(document, path, how);
            const evaluation = await evaluateEdited(document);
            const crashes = (evaluation?.findings ?? []).filter((finding) => finding.errorKind === "checkFailed");
            expect(crashes.map((finding) => `${finding.check}: ${finding.message}`)).toEqual([]);
          },
        ),
        { numRuns: 300, seed: 20261126 },
      );
    });

    it(`never crash when every field of base ${index} is null, one at a time`, async () => {
      for (const path of all) {
        const document = structuredClone(base);
        edit(document, path, "null");
        const evaluation = await evaluateEdited(document);
        const crashes = (evaluation?.findings ?? []).filter((finding) => finding.errorKind === "checkFailed");
        expect(crashes.map((finding) => `${path.join(".")} → ${finding.check}: ${finding.message}`)).toEqual([]);
      }
    });
  }
});

/** One generated delivery and the event the parser must make of it. */
interface GeneratedEvent {
  raw: Json;
  expected: ClusterEvent;
}

const clusterRef = fc
  .record({
    subscriptionId: fc.uuid(),
    resourceGroup: fc.stringMatching(/^[A-Za-z0-9_()-]([A-Za-z0-9_.()-]{0,30}[A-Za-z0-9_()-])?$/),
    name: fc.stringMatching(/^[a-zA-Z0-9]([a-zA-Z0-9_-]{0,20}[a-zA-Z0-9])?$/),
    // ARM ids arrive in any case: "resourcegroups", "microsoft.containerservice".
    lowerCaseSegments: fc.boolean(),
  })
  .map(({ lowerCaseSegments, ...ref }) => ({
    ref: {
      id: `/subscriptions/${ref.subscriptionId}/resourceGroups/${ref.resourceGroup}/providers/Microsoft.ContainerService/managedClusters/${ref.name}`,
      ...ref,
    } as ClusterRef,
    sent: lowerCaseSegments
      ? `/subscriptions/${ref.subscriptionId}/resourcegroups/${ref.resourceGroup}/providers/microsoft.containerservice/managedClusters/${ref.name}`
      : `/subscriptions/${ref.subscriptionId}/resourceGroups/${ref.resourceGroup}/providers/Microsoft.ContainerService/managedClusters/${ref.name}`,
  }));

const word = fc.stringMatching(/^[a-zA-Z0-9][a-zA-Z0-9.@_-]{0,30}$/);
const eventTime = fc.date({ min: new Date("2000-01-01T00:00:00Z"), max: new Date("2099-12-31T23:59:59Z"), noInvalidDate: true });

/** Event Grid writes seven fraction digits ("…:57.0000000Z"); ARN's resourceEventTime has no zone. */
function wireTime(time: Date, sevenDigits: boolean, zone = true): string {
  const iso = time.toISOString();
  const text = sevenDigits ? iso.replace(/\.(\d{3})Z$/, ".$10000Z") : iso;
  return zone ? text : text.replace(/Z$/, "");
}

type Body = { type: string; topic: string; subject?: string; data: Json; expect: Record<string, unknown> };

const aksSignal = fc
  .tuple(clusterRef, fc.constantFrom(...AKS_SIGNALS), fc.dictionary(fc.constantFrom("nodePoolName", "kubernetesVersion", "latestSupportedKubernetesVersion", "eventId"), word, { maxKeys: 3 }))
  .map(([cluster, signal, details]): Body => ({
    type: `Microsoft.ContainerService.${signal}`,
    topic: cluster.sent,
    subject: cluster.ref.name,
    data: details,
    expect: { kind: "aksSignal", signal, cluster: cluster.ref, details },
  }));

const claims = fc.oneof(
  fc.record({ kind: fc.constant("upn" as const), value: fc.emailAddress() }),
  fc.record({ kind: fc.constant("name" as const), value: word }),
  fc.record({ kind: fc.constant("appid" as const), value: fc.uuid() }),
  fc.record({ kind: fc.constant("none" as const), value: fc.constant("") }),
);

const resourceChange = fc
  .tuple(clusterRef, fc.boolean(), fc.option(fc.stringMatching(/^[a-z][a-z0-9]{0,11}$/), { nil: undefined }), claims, fc.boolean())
  .map(([cluster, write, pool, claim, claimsAsString]): Body => {
    const resourceId = pool ? `${cluster.sent}/agentPools/${pool}` : cluster.sent;
    const operation = `Microsoft.ContainerService/managedClusters/${pool ? "agentPools/" : ""}${write ? "write" : "delete"}`;
    const claimSet: Json =
      claim.kind === "upn"
        ? { "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/upn": claim.value, name: "Someone Else" }
        : claim.kind === "name"
          ? { name: claim.value, appid: "not-the-one" }
          : claim.kind === "appid"
            ? { appid: claim.value }
            : { aud: "https://management.azure.com" };
    const actor = claim.kind === "none" ? undefined : { name: claim.kind === "appid" ? `application ${claim.value}` : claim.value, operation };
    return {
      type: write ? "Microsoft.Resources.ResourceWriteSuccess" : "Microsoft.Resources.ResourceDeleteSuccess",
      topic: `/subscriptions/${cluster.ref.subscriptionId}/resourceGroups/${cluster.ref.resourceGroup}`,
      subject: resourceId,
      data: { claims: claimsAsString ? JSON.stringify(claimSet) : claimSet, operationName: operation, resourceUri: resourceId, status: "Succeeded" },
      expect: { kind: write ? "resourceWrite" : "resourceDelete", cluster: cluster.ref, resourceId, target: pool ? "agentPool" : "cluster", ...(actor ? { actor } : {}) },
    };
  });

const arn = fc
  .tuple(clusterRef, fc.boolean(), fc.constantFrom("eastus", "westeurope"), fc.option(eventTime, { nil: undefined }), fc.option(fc.constantFrom("2025-07-01", "2023-11-02-preview"), { nil: undefined }))
  .map(([cluster, upsert, location, resourceTime, apiVersion]): Body => {
    const resourceInfo: Json = { id: cluster.sent, name: cluster.ref.name, type: "Microsoft.ContainerService/managedClusters", location, ...(upsert ? { properties: { kubernetesVersion: "1.33.2" } } : {}) };
    return {
      type: upsert ? "Microsoft.ResourceNotifications.Resources.CreatedOrUpdated" : "Microsoft.ResourceNotifications.Resources.Deleted",
      topic: `/subscriptions/${cluster.ref.subscriptionId}`,
      subject: cluster.sent,
      data: {
        resourceInfo,
        ...(resourceTime ? { operationalInfo: { resourceEventTime: wireTime(resourceTime, true, false) } } : {}),
        ...(apiVersion ? { apiVersion } : {}),
      },
      expect: upsert
        ? { kind: "arnUpsert", cluster: cluster.ref, resource: resourceInfo, ...(apiVersion ? { apiVersion } : {}), ...(resourceTime ? { resourceEventTime: resourceTime.toISOString() } : {}) }
        : { kind: "arnDelete", cluster: cluster.ref },
    };
  });

const maintenance = fc
  .tuple(fc.array(clusterRef, { minLength: 1, maxLength: 3 }), fc.constantFrom(...MAINTENANCE_STATUSES), fc.boolean(), word)
  .map(([clusters, status, lowerCase, eventSource]): Body => {
    const unique = new Map(clusters.map((cluster) => [cluster.ref.id.toLowerCase(), cluster.ref]));
    return {
      type: "Microsoft.ResourceNotifications.ContainerServiceEventResources.ScheduledEventEmitted",
      topic: `/subscriptions/${clusters[0]!.ref.subscriptionId}`,
      subject: `${clusters[0]!.sent}/scheduledEvents/e1`,
      data: {
        resourceInfo: {
          id: `${clusters[0]!.sent}/scheduledEvents/e1`,
          type: "Microsoft.ContainerService/managedClusters/scheduledEvents",
          // A cluster named twice (in another case) is one cluster.
          properties: { eventStatus: lowerCase ? status.toLowerCase() : status, eventSource, resources: [...clusters.map((c) => c.sent), clusters[0]!.sent.toUpperCase().replace("/SUBSCRIPTIONS/", "/subscriptions/")] },
        },
      },
      expect: { kind: "scheduledMaintenance", clusters: [...unique.values()], status, details: { eventSource } },
    };
  });

const unknown = fc
  .constantFrom("Microsoft.Storage.BlobCreated", "Microsoft.ContainerService.ClusterOutOfSupport", "Microsoft.Resources.ResourceActionSuccess", "Contoso.Items.ItemReceived")
  .map((type): Body => ({ type, topic: "/subscriptions/00000000-0000-4000-8000-000000000000", subject: "anything", data: { any: "thing" }, expect: { kind: "unknown" } }));

const generatedEvent: fc.Arbitrary<GeneratedEvent> = fc
  .tuple(
    fc.oneof(aksSignal, resourceChange, arn, maintenance, unknown),
    fc.constantFrom("eventGrid" as const, "cloudEvents" as const),
    fc.oneof(fc.uuid(), fc.stringMatching(/^[A-Za-z0-9-]{1,64}$/)),
    eventTime,
    fc.boolean(),
  )
  .map(([body, schema, id, time, sevenDigits]) => {
    const envelope =
      schema === "eventGrid"
        ? { id, eventType: body.type, topic: body.topic, subject: body.subject ?? "", eventTime: wireTime(time, sevenDigits), dataVersion: "1", metadataVersion: "1" }
        : { id, type: body.type, source: body.topic, ...(body.subject === undefined ? {} : { subject: body.subject }), time: wireTime(time, sevenDigits), specversion: "1.0" };
    const expected = {
      id,
      type: body.type,
      schema,
      time: time.toISOString(),
      ...(body.subject === undefined ? {} : { subject: body.subject }),
      ...body.expect,
    } as unknown as ClusterEvent;
    // The writer's `at` is the event's time.
    if ("actor" in expected && expected.actor) expected.actor = { name: expected.actor.name, at: time.toISOString(), ...(expected.actor.operation ? { operation: expected.actor.operation } : {}) };
    return { raw: { ...envelope, data: body.data }, expected };
  });

describe("the event parser on generated events", () => {
  it("reads the kind and every field of each generated event, in both schemas (fast-check)", async () => {
    await fc.assert(
      fc.asyncProperty(generatedEvent, async ({ raw, expected }) => {
        expect(await parseEvent(raw)).toEqual(expected);
        // The same delivery as JSON text (as a raw HTTP body would be) reads the same.
        expect(await parseEvent(JSON.stringify(raw))).toEqual(expected);
      }),
      { numRuns: 500, seed: 20261206 },
    );
  });
});
