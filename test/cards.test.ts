/**
 * Teams cards for alerts: every card is valid Adaptive Card 1.4 (the version Teams Workflows renders; the
 * schema derived from the official 1.5 one in test/support/adaptiveCardSchema.ts), stays under the
 * size limit whatever the input, cannot carry markup or links from user-controlled text, and the
 * webhook variant has no submit buttons. Representative cards are golden files in
 * test/__snapshots__/cards, so that a change to a card is reviewed as a diff.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { SEVERITIES } from "../shared/baseline/types.js";
import type { ClusterRef } from "../shared/model/snapshot.js";
import type {
  Actor,
  Alert,
  ClusterAlert,
  DigestAlert,
  LifecycleAlert,
  SettingChange,
  Transition,
  TransitionKind,
  Trigger,
} from "../shared/model/alerts.js";
import type { AdaptiveCard, CardAction, CardElement, SubmitAction } from "../shared/alerts/cards/adaptiveCard.js";
import { textBlock, teamsMessage } from "../shared/alerts/cards/adaptiveCard.js";
import type { Channel } from "../shared/alerts/cards/actions.js";
import { buildDriftCard } from "../shared/alerts/cards/driftCard.js";
import { escapeText, md } from "../shared/alerts/cards/escape.js";
import { summariseValue, formatUtc, formatWait } from "../shared/alerts/cards/format.js";
import { alertCard, driftCard, lifecycleCard, digestCard } from "../shared/alerts/cards/index.js";
import { clusterLink } from "../shared/alerts/cards/portalLink.js";
import { detailLadder, fitCard, FULL_DETAIL, MAX_MESSAGE_BYTES, messageBytes } from "../shared/alerts/cards/size.js";
import {
  ADAPTIVE_CARD_1_5_PATH,
  adaptiveCardSchema,
  adaptiveCardValidator,
  schemaVersion,
  type CardValidator,
} from "./support/adaptiveCardSchema.js";
import { injectedMarkup, markdownTexts } from "./support/cardText.js";

const CHANNELS: Channel[] = ["webhook", "bot"];

// ---------------------------------------------------------------------------------------------
// The schema and what a card holds
// ---------------------------------------------------------------------------------------------

let validateCard: CardValidator;
beforeAll(() => {
  validateCard = adaptiveCardValidator("1.4");
});

function expectValidCard(card: AdaptiveCard, label = ""): void {
  expect(validateCard(card), label).toBeUndefined();
  expect(card.version, label).toBe("1.4");
  expect(card.type).toBe("AdaptiveCard");
}

/** Every card in a card: itself and the cards of its ShowCard actions, however deep. */
function allCards(card: AdaptiveCard): AdaptiveCard[] {
  return [card, ...allActions(card).flatMap((action) => (action.type === "Action.ShowCard" ? allCards(action.card) : []))];
}

function elementsOf(elements: readonly CardElement[]): CardElement[] {
  return elements.flatMap((element) => {
    if (element.type === "Container") return [element, ...elementsOf(element.items)];
    if (element.type === "ColumnSet") return [element, ...elementsOf(element.columns.flatMap((column) => column.items))];
    return [element];
  });
}

/** The actions of one card (its action bar and ActionSets), not those of its ShowCards. */
function allActions(card: AdaptiveCard): CardAction[] {
  const inSets = elementsOf(card.body).flatMap((element) => (element.type === "ActionSet" ? element.actions : []));
  return [...(card.actions ?? []), ...inSets];
}

function deepActions(card: AdaptiveCard): CardAction[] {
  return allCards(card).flatMap(allActions);
}

function textBlocks(card: AdaptiveCard) {
  return allCards(card).flatMap((each) => elementsOf(each.body).filter((element) => element.type === "TextBlock"));
}

function expectNoInjectedMarkup(card: AdaptiveCard): void {
  for (const text of markdownTexts(card)) expect(injectedMarkup(text), text.slice(0, 200)).toEqual([]);
}

function expectWebhookSafe(card: AdaptiveCard): void {
  const types = deepActions(card).map((action) => action.type);
  expect(types).not.toContain("Action.Submit");
  expect(JSON.stringify(card)).not.toMatch(/"Action\.(Submit|Execute)"/);
}

/** Links and bot buttons only for a cluster whose id validated, and then to that very cluster. */
function expectClusterActions(card: AdaptiveCard, ref: ClusterRef | undefined): void {
  const link = ref ? clusterLink(ref) : undefined;
  const urls = deepActions(card).flatMap((action) => (action.type === "Action.OpenUrl" ? [action.url] : []));
  expect(urls).toEqual(link ? [link.portal.href] : []);
  const submits = deepActions(card).filter((action) => action.type === "Action.Submit");
  if (!link) expect(submits).toEqual([]);
  for (const action of submits) expect(action.data.clusterId).toBe(link?.clusterId);
}

/** Everything a card must be, whatever went in. */
function expectGoodCard(alert: Alert, channel: Channel): AdaptiveCard {
  const card = alertCard(alert, { channel });
  expectValidCard(card, `${alert.kind}/${channel}`);
  expect(messageBytes(teamsMessage(card))).toBeLessThanOrEqual(MAX_MESSAGE_BYTES);
  expect(Buffer.byteLength(JSON.stringify(teamsMessage(card)), "utf8")).toBeLessThan(20 * 1024);
  expectNoInjectedMarkup(card);
  if (channel === "webhook") expectWebhookSafe(card);
  expectClusterActions(card, alert.kind === "digest" ? undefined : alert.cluster);
  return card;
}

// ---------------------------------------------------------------------------------------------
// Representative alerts
// ---------------------------------------------------------------------------------------------

const SUBSCRIPTION = "6f1c2a3b-4d5e-4f60-8a7b-9c0d1e2f3a4b";

function ref(name: string, resourceGroup = "aks-prod", subscriptionId = SUBSCRIPTION): ClusterRef {
  return {
    id: `/subscriptions/${subscriptionId}/resourceGroups/${resourceGroup}/providers/Microsoft.ContainerService/managedClusters/${name}`,
    subscriptionId,
    resourceGroup,
    name,
  };
}

const PAYMENTS = { ...ref("prod-weu-payments"), location: "westeurope" };
const ALICE: Actor = { name: "alice@contoso.com", at: "2026-11-26T14:02:11Z", operation: "Microsoft.ContainerService/managedClusters/write" };
const RANGES = "properties.apiServerAccessProfile.authorizedIPRanges";

function transition(fields: Partial<Transition> & Pick<Transition, "check">): Transition {
  return {
    kind: "newFailure",
    severity: "high",
    title: fields.check,
    from: "pass",
    to: "fail",
    message: "",
    evidence: [],
    changes: [],
    flaps: 1,
    ...fields,
  };
}

/** The card of USERS.md: prod-weu-payments drifted, two new failures from one ARM write by alice. */
const USERS_EXAMPLE: ClusterAlert = {
  kind: "drift",
  alertId: "drift-prod-weu-payments-1",
  cluster: PAYMENTS,
  evaluatedAt: "2026-11-26T14:02:40Z",
  trigger: { kind: "event", id: "evt-7f3a", actor: ALICE },
  failures: [
    transition({
      check: "local-accounts-disabled",
      severity: "medium",
      title: "Local accounts are disabled",
      message: "Local accounts were re-enabled.",
      evidence: [{ path: "properties.disableLocalAccounts", value: false, expected: "true" }],
      changes: [{ path: "properties.disableLocalAccounts", before: true, after: false }],
      remediation: "az aks update -g aks-prod -n prod-weu-payments --disable-local-accounts",
    }),
    transition({
      check: "api-authorized-ip-ranges",
      severity: "high",
      title: "The public API server is limited to authorized IP ranges",
      message: "The API server is now open to the internet.",
      evidence: [{ path: RANGES, value: [], expected: "at least one CIDR, unless the cluster is private" }],
      changes: [{ path: RANGES, before: ["203.0.113.0/24", "198.51.100.0/24", "192.0.2.0/28"], after: [] }],
      remediation: "az aks update -g aks-prod -n prod-weu-payments --api-server-authorized-ip-ranges <cidrs>",
    }),
  ],
  resolved: [],
  stillFailing: 3,
};

/** The ranges came back: the short card that closes the loop. */
const RESOLVED_ONLY: ClusterAlert = {
  kind: "drift",
  alertId: "drift-prod-weu-payments-2",
  cluster: PAYMENTS,
  evaluatedAt: "2026-11-26T14:31:02Z",
  trigger: { kind: "event", actor: { ...ALICE, name: "bob@contoso.com", at: "2026-11-26T14:30:40Z" } },
  failures: [],
  resolved: [
    transition({
      check: "api-authorized-ip-ranges",
      kind: "resolved",
      from: "fail",
      to: "pass",
      message: "The public API server accepts connections only from 3 authorized IP range(s).",
      changes: [{ path: RANGES, before: [], after: ["203.0.113.0/24", "198.51.100.0/24", "192.0.2.0/28"] }],
    }),
    transition({
      check: "local-accounts-disabled",
      kind: "resolved",
      severity: "medium",
      from: "fail",
      to: "pass",
      message: "Local accounts are disabled.",
      changes: [{ path: "properties.disableLocalAccounts", before: false, after: true }],
    }),
  ],
  stillFailing: 3,
};

/** A check that keeps flipping, reported once with its flap count; found by the sweep, so no actor. */
const FLAPPING: ClusterAlert = {
  kind: "drift",
  alertId: "drift-dev-neu-batch-9",
  cluster: { ...ref("dev-neu-batch", "aks-dev"), location: "northeurope" },
  evaluatedAt: "2026-11-26T02:10:00Z",
  trigger: { kind: "sweep", id: "sweep-2026-11-26" },
  failures: [
    transition({
      check: "node-os-auto-upgrade",
      kind: "regressed",
      severity: "medium",
      from: "pass",
      message: "Node OS upgrades are off (nodeOSUpgradeChannel None): nodes get no security patches between image upgrades.",
      evidence: [{ path: "properties.autoUpgradeProfile.nodeOSUpgradeChannel", value: "None", expected: "NodeImage or SecurityPatch" }],
      remediation: "az aks update -g aks-dev -n dev-neu-batch --node-os-upgrade-channel NodeImage",
      flaps: 5,
    }),
  ],
  resolved: [
    transition({ check: "azure-policy-addon", kind: "resolved", severity: "low", from: "fail", to: "pass", message: "The Azure Policy add-on is enabled." }),
  ],
  stillFailing: 0,
};

const POOL_FAILED: LifecycleAlert = {
  kind: "nodePoolUpgradeFailed",
  alertId: "np-failed-1",
  cluster: ref("prod-weu-payments"),
  at: "2026-11-26T18:00:00Z",
  details: { nodePoolName: "userpool2", targetKubernetesVersion: "1.33.2" },
};

const SUPPORT_ENDING: LifecycleAlert = {
  kind: "supportEnding",
  alertId: "support-ending-1",
  cluster: ref("legacy-eus-reports", "aks-legacy"),
  at: "2026-11-26T06:00:00Z",
  details: { kubernetesVersion: "1.30.9" },
};

const SUPPORT_ENDED: LifecycleAlert = { ...SUPPORT_ENDING, kind: "supportEnded", alertId: "support-ended-1" };

const MAINTENANCE_FAILED: LifecycleAlert = {
  kind: "maintenanceFailed",
  alertId: "maintenance-1",
  cluster: ref("prod-weu-payments"),
  at: "2026-11-26T22:17:12Z",
  details: {
    eventSource: "AutoUpgrader",
    eventStatus: "Failed",
    eventDetails: "Start to upgrade security vhd",
    eventId: "bbe82027-0444-4f73-897a-0bbfe3af66f1",
  },
};

const DIGEST: DigestAlert = {
  kind: "digest",
  alertId: "digest-2026-11-26",
  at: "2026-11-26T06:00:00Z",
  clusters: 412,
  failingClusters: 7,
  counts: { pass: 21_034, fail: 388, error: 12, exempt: 41 },
  worst: [
    { cluster: ref("legacy-eus-reports", "aks-legacy"), fail: 14, highOrAbove: 6 },
    { cluster: ref("dev-neu-batch", "aks-dev"), fail: 9, highOrAbove: 1 },
    { cluster: ref("prod-weu-payments"), fail: 2, highOrAbove: 1 },
  ],
  longestReboots: [
    { cluster: ref("dev-neu-batch", "aks-dev"), node: "aks-batch-12345678-vmss000003", pool: "batch", since: "2026-11-24T22:00:00Z", hours: 32 },
    {
      cluster: ref("legacy-eus-reports", "aks-legacy"),
      node: "aks-system-87654321-vmss000000",
      pool: "system",
      since: "2026-11-12T03:00:00Z",
      hours: 339,
    },
    { cluster: ref("prod-weu-payments"), node: "akswin000002", pool: "win", since: "2026-11-20T06:00:00Z", hours: 144 },
  ],
  stalestImages: [
    {
      cluster: ref("prod-weu-payments"),
      pool: "win",
      image: "AKSWindows-2022-containerd-20348.2700.241015",
      latest: "AKSWindows-2022-containerd-20348.2849.241112",
      daysBehind: 28,
    },
    {
      cluster: ref("legacy-eus-reports", "aks-legacy"),
      pool: "system",
      image: "AKSUbuntu-2204gen2containerd-202508.20.1",
      latest: "AKSUbuntu-2204gen2containerd-202511.07.0",
      daysBehind: 79,
    },
  ],
};

const REPRESENTATIVE: Record<string, Alert> = {
  "drift-actor-changes": USERS_EXAMPLE,
  "drift-resolved-only": RESOLVED_ONLY,
  "drift-flapping": FLAPPING,
  "lifecycle-nodepool-upgrade-failed": POOL_FAILED,
  "lifecycle-support-ending": SUPPORT_ENDING,
  "lifecycle-support-ended": SUPPORT_ENDED,
  "lifecycle-maintenance-failed": MAINTENANCE_FAILED,
  digest: DIGEST,
};

// ---------------------------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------------------------

describe("the Adaptive Card schema and validator", () => {
  it("is an exact copy of ../shared/fixtures/teams when the handbook is present", () => {
    const shared = join(import.meta.dirname, "..", "..", "shared", "fixtures", "teams", "adaptivecards-schema-1.5.0", "adaptive-card.json");
    if (!existsSync(shared)) return;
    expect(readFileSync(ADAPTIVE_CARD_1_5_PATH, "utf8")).toBe(readFileSync(shared, "utf8"));
  });

  it("rejects invalid cards (the anyOf unions do not let everything through)", () => {
    const card = (body: unknown[], actions: unknown[] = []) => ({ type: "AdaptiveCard", version: "1.4", body, actions });
    const valid = (candidate: unknown) => validateCard(candidate) === undefined;
    expect(valid(card([{ type: "TextBlock", text: "fine" }]))).toBe(true);
    expect(valid(card([{ type: "TextBlock" }]))).toBe(false);
    expect(valid(card([{ type: "Paragraph", text: "unknown type" }]))).toBe(false);
    expect(valid(card([{ type: "TextBlock", text: "x", colour: "Good" }]))).toBe(false);
    expect(valid(card([{ type: "TextBlock", text: "x", size: "Huge" }]))).toBe(false);
    expect(valid(card([{ type: "FactSet", facts: [{ title: "only a title" }] }]))).toBe(false);
    expect(valid(card([{ type: "Container" }]))).toBe(false);
    expect(valid(card([], [{ type: "Action.OpenUrl", title: "no url" }]))).toBe(false);
    expect(valid(card([], [{ type: "Action.OpenUrl", title: "bad url", url: "not a url at all" }]))).toBe(false);
    expect(valid(card([], [{ type: "Action.Submit", title: "x", data: 42 }]))).toBe(false);
    const inputWithoutId = { type: "AdaptiveCard", body: [{ type: "Input.Text" }] };
    expect(valid(card([], [{ type: "Action.ShowCard", title: "x", card: inputWithoutId }]))).toBe(false);
    expect(valid({ ...card([]), msteams: { width: "Full" } })).toBe(false);
  });

  it("the 1.4 schema is the 1.5 schema without what 1.5 added", () => {
    const v15 = adaptiveCardSchema("1.5");
    const v14 = adaptiveCardSchema("1.4");
    expect([schemaVersion(v15), schemaVersion(v14)]).toEqual(["1.5", "1.4"]);
    const added = ["Table", "TableCell", "TableRow", "TableColumnDefinition", "ActionMode", "TextBlockStyle"];
    expect(Object.keys(v15.definitions).filter((name) => !(name in v14.definitions)).sort()).toEqual([...added].sort());
    expect(JSON.stringify(v14)).not.toMatch(/"version":"1\.5"|#\/definitions\/(Table|ActionMode|TextBlockStyle)/);
    const propertiesOf = (schema: Record<string, any>, name: string) => Object.keys(schema.definitions[name].properties);
    const gone = (name: string) => propertiesOf(v15, name).filter((key) => !propertiesOf(v14, name).includes(key));
    for (const action of ["Extendable.Action", "Action.OpenUrl", "Action.ShowCard", "Action.Submit", "Action.ToggleVisibility"]) {
      expect(gone(action), action).toEqual(["tooltip", "isEnabled", "mode"]);
    }
    expect(gone("TextBlock")).toEqual(["style"]);
    expect(gone("AdaptiveCard")).toEqual(["rtl"]);
    expect(gone("Column")).toEqual(["rtl"]);
    // The element lists lost Table, nothing else.
    expect(v15.definitions["ImplementationsOf.Element"].anyOf.length - v14.definitions["ImplementationsOf.Element"].anyOf.length).toBe(1);
  });

  it("the 1.4 validator refuses 1.5-only elements and properties that the 1.5 schema accepts (the check can fail)", () => {
    const validate15 = adaptiveCardValidator("1.5");
    const text = { type: "TextBlock", text: "x" };
    const table = { type: "Table", columns: [{ width: 1 }], rows: [{ type: "TableRow", cells: [{ type: "TableCell", items: [text] }] }] };
    const link = { type: "Action.OpenUrl", title: "Open", url: "https://portal.azure.com/" };
    const cases: Array<[string, Record<string, unknown>, RegExp]> = [
      ["a Table", { body: [table] }, /\/body\/0\/type: unknown element type "Table"/],
      ["a TextBlock style heading", { body: [{ ...text, style: "heading" }] }, /\/body\/0 must NOT have additional properties \(style\)/],
      ["an action tooltip", { body: [], actions: [{ ...link, tooltip: "hover" }] }, /\/actions\/0 must NOT have additional properties \(tooltip\)/],
      ["an action isEnabled", { body: [], actions: [{ ...link, isEnabled: false }] }, /additional properties \(isEnabled\)/],
      ["an action mode", { body: [], actions: [{ ...link, mode: "secondary" }] }, /additional properties \(mode\)/],
      ["rtl on the card", { body: [text], rtl: true }, /^.*: \/ must NOT have additional properties \(rtl\)$/],
      ["rtl on a Column", { body: [{ type: "ColumnSet", columns: [{ type: "Column", items: [text], rtl: true }] }] }, /additional properties \(rtl\)/],
    ];
    for (const [what, parts, problem] of cases) {
      expect(validate15({ type: "AdaptiveCard", version: "1.5", ...parts }), what).toBeUndefined();
      expect(validateCard({ type: "AdaptiveCard", version: "1.4", ...parts }), what).toMatch(problem);
    }
    // Declaring 1.5 is refused on its own: Workflows shows such a card as "couldn't be displayed".
    expect(validateCard({ type: "AdaptiveCard", version: "1.5", body: [text] })).toMatch(/\/version "1\.5" is not a version of this schema \(1\.4 or lower\)/);

    // A real webhook card with one 1.5-only thing added is refused too.
    const real = () => structuredClone(alertCard(USERS_EXAMPLE, { channel: "webhook" }));
    expect(validateCard(real())).toBeUndefined();
    const withTable = real();
    withTable.body.push(table as unknown as CardElement);
    expect(validateCard(withTable)).toMatch(/unknown element type "Table"/);
    const withHeading = real();
    const header = withHeading.body[0] as CardElement & { items: Array<Record<string, unknown>> };
    header.items[0]!.style = "heading";
    expect(validateCard(withHeading)).toMatch(/\/body\/0\/items\/0 must NOT have additional properties \(style\)/);
    expect(validateCard({ ...real(), version: "1.5" })).toMatch(/\/version "1\.5"/);
  });
});

describe("the markup check of these tests", () => {
  it("is not a no-op: it finds raw markup and accepts what escapeText makes of it", () => {
    const raw = ["[x](javascript:alert(1))", "<at>all</at>", "a_b", "*one*", "- list", "1. list", "https://x", "a\nb", "\u202Ex", "`x`"];
    for (const text of raw) {
      expect(injectedMarkup(text), text).not.toEqual([]);
      expect(injectedMarkup(escapeText(text).text), text).toEqual([]);
    }
    expect(injectedMarkup("**bold** (code) +3 more")).toEqual([]);
  });
});

describe("escapeText", () => {
  const cases: Array<[string, string]> = [
    ["prod-weu-payments", "prod-weu-payments"],
    ["**bold** _it_ ~~gone~~", "\\*\\*bold\\*\\* \\_it\\_ \\~\\~gone\\~\\~"],
    ["[click](javascript:alert(1))", "\\[click\\]\\(javascript:alert\\(1\\)\\)"],
    ["](javascript:alert(1))", "\\]\\(javascript:alert\\(1\\)\\)"],
    ["<at>General</at>", "\\<at\\>General\\</at\\>"],
    ["&lt;at&gt;", "\\&lt;at\\&gt;"],
    ["line one\nline two\r\n- three", "line one line two - three"],
    ["\n- starts a list", "\\- starts a list"],
    ["1.\tlist", "1\\. list"],
    ["- leading dash", "\\- leading dash"],
    ["+ leading plus", "\\+ leading plus"],
    ["1. numbered", "1\\. numbered"],
    ["12) numbered", "12\\) numbered"],
    ["> quote", "\\> quote"],
    ["# heading", "\\# heading"],
    ["`code` | cell |", "\\`code\\` \\| cell \\|"],
    ["{{DATE(2026-11-26T14:02:00Z, SHORT)}}", "\\{\\{DATE\\(2026-11-26T14:02:00Z, SHORT\\)\\}\\}"],
    ["see https://evil.example and www.evil.example", "see https\\://evil.example and www\\.evil.example"],
    ["back\\slash", "back\\\\slash"],
    ["evil\u202Egnp.exe\u202C name", "evilgnp.exe name"],
    ["zero\u200Bwidth\u2066isolate\u2069", "zerowidthisolate"],
    ["  spaced \t out  ", "spaced out"],
    ["10.0.0.0/8 → none", "10.0.0.0/8 → none"],
  ];
  it.each(cases)("escapes %j", (input, expected) => {
    expect(escapeText(input).text).toBe(expected);
  });

  it("caps the length before escaping, so an escape is never cut in half", () => {
    expect(escapeText("a".repeat(10_240), 100).text).toBe(`${"a".repeat(99)}…`);
    expect(escapeText("*".repeat(500), 10).text).toBe(`${"\\*".repeat(9)}…`);
    expect(Array.from(escapeText("💥".repeat(5000), 50).text)).toHaveLength(50);
  });

  it("loses nothing visible: taking the escapes out gives the text back", () => {
    const visible = fc.string({ unit: fc.constantFrom(..."ab Z09*_~[]()#><`|{}&\\-+.:/!@é日🙂"), maxLength: 80 });
    fc.assert(
      fc.property(visible, (text) => {
        const expected = text.replace(/\s+/g, " ").trim();
        expect(escapeText(text, 1000).text.replace(/\\(.)/gu, "$1")).toBe(expected);
      }),
    );
  });

  it("md escapes interpolated values and keeps its own literals", () => {
    const name = "x](https://evil)";
    expect(md`**${name}** drifted: ${2} new`.text).toBe("**x\\]\\(https\\://evil\\)** drifted: 2 new");
    expect(md`${md`**a**`} b`.text).toBe("**a** b");
  });
});

describe("value and time summaries", () => {
  it("summarises setting values in a few words", () => {
    expect(summariseValue(RANGES, ["a", "b", "c"])).toBe("3 ranges");
    expect(summariseValue(RANGES, ["a"])).toBe("1 range");
    expect(summariseValue(RANGES, [])).toBe("none");
    expect(summariseValue(RANGES, null)).toBe("none");
    expect(summariseValue("properties.x", undefined)).toBe("none");
    expect(summariseValue("properties.x", "")).toBe("none");
    expect(summariseValue("properties.agentPoolProfiles", [{}, {}])).toBe("2 profiles");
    expect(summariseValue("properties.zones", [1, 2, 3])).toBe("3 zones");
    expect(summariseValue("properties.x", [1, 2])).toBe("2 items");
    expect(summariseValue("properties.disableLocalAccounts", false)).toBe("false");
    expect(summariseValue("properties.x", { a: 1 })).toBe('{"a":1}');
    expect(summariseValue("properties.x", {})).toBe("none");
    expect(summariseValue("properties.x", "y".repeat(500))).toHaveLength(80);
  });

  it("writes times in UTC, with the date when it is another day", () => {
    expect(formatUtc("2026-11-26T14:02:11Z", "2026-11-26T14:02:40Z")).toBe("14:02 UTC");
    expect(formatUtc("2026-11-25T23:59:00Z", "2026-11-26T00:01:00Z")).toBe("2026-11-25 23:59 UTC");
    expect(formatUtc("2026-11-26T15:02:11+01:00")).toBe("2026-11-26 14:02 UTC");
    expect(formatUtc("yesterday")).toBeUndefined();
    expect(formatWait(5)).toBe("5 h");
    expect(formatWait(339)).toBe("14 d 3 h");
    expect(formatWait(48)).toBe("2 d");
  });
});

describe("the Azure portal link", () => {
  it("is built from the parsed cluster id, one encoded segment at a time", () => {
    expect(clusterLink(PAYMENTS)).toEqual({
      clusterId: PAYMENTS.id,
      portal: {
        href:
          `https://portal.azure.com/#@/resource/subscriptions/${SUBSCRIPTION}/resourceGroups/aks-prod` +
          "/providers/Microsoft.ContainerService/managedClusters/prod-weu-payments/overview",
      },
    });
    const odd = ref("c1", "rg.(test)_1");
    expect(clusterLink(odd)?.portal.href).toBe(
      `https://portal.azure.com/#@/resource/subscriptions/${SUBSCRIPTION}/resourceGroups/rg.%28test%29_1` +
        "/providers/Microsoft.ContainerService/managedClusters/c1/overview",
    );
    const lower = { ...PAYMENTS, id: PAYMENTS.id.toLowerCase().replace(SUBSCRIPTION, SUBSCRIPTION) };
    expect(clusterLink(lower)?.clusterId).toBe(
      `/subscriptions/${SUBSCRIPTION}/resourceGroups/aks-prod/providers/Microsoft.ContainerService/managedClusters/prod-weu-payments`,
    );
  });

  it("is absent, with the bot buttons, when the id is not a valid managed cluster id of the same cluster", () => {
    const bad: ClusterRef[] = [
      { ...PAYMENTS, id: `${PAYMENTS.id}/agentPools/np1` },
      { ...PAYMENTS, id: PAYMENTS.id.replace("Microsoft.ContainerService/managedClusters", "Microsoft.Storage/storageAccounts") },
      { ...PAYMENTS, id: PAYMENTS.id.replace("prod-weu-payments", "..%2F..%2Fevil") },
      { ...PAYMENTS, id: PAYMENTS.id.replace("prod-weu-payments", "other-cluster") },
      { ...PAYMENTS, id: PAYMENTS.id.replace(SUBSCRIPTION, "not-a-subscription") },
      { ...PAYMENTS, id: "javascript:alert(1)" },
      { ...PAYMENTS, id: PAYMENTS.id.replace("prod-weu-payments", "x".repeat(64)), name: "x".repeat(64) },
    ];
    for (const cluster of bad) {
      expect(clusterLink(cluster), cluster.id).toBeUndefined();
      const card = driftCard({ ...USERS_EXAMPLE, cluster }, { channel: "bot" });
      expectValidCard(card);
      expect(deepActions(card).filter((action) => action.type !== "Action.ShowCard")).toEqual([]);
      // No link, and no fix command that would name an unvalidated cluster.
      expect(textBlocks(card).filter((block) => block.fontType === "Monospace")).toEqual([]);
    }
  });

  it("round-trips every valid id (fast-check)", () => {
    fc.assert(
      fc.property(validRef, (cluster) => {
        const href = clusterLink(cluster)!.portal.href;
        expect(href.startsWith("https://portal.azure.com/#@/resource/subscriptions/")).toBe(true);
        expect(href).not.toMatch(/[()'!*\s]/);
        const path = href.slice("https://portal.azure.com/#@/resource".length, -"/overview".length);
        expect(path.split("/").map(decodeURIComponent).join("/")).toBe(cluster.id);
      }),
    );
  });
});

describe("the USERS.md example (prod-weu-payments)", () => {
  const card = driftCard(USERS_EXAMPLE, { channel: "bot" });
  const texts = markdownTexts(card);
  const body = card.body;

  it("says what changed, before and after, who did it, when, and how to fix it", () => {
    const header = body[0]!;
    expect(header.type === "Container" && header.style).toBe("attention");
    expect(texts).toContain("**prod-weu-payments** drifted: 2 new failures");
    expect(texts).toContain(`Subscription ${SUBSCRIPTION} · resource group aks-prod · westeurope`);
    expect(texts).toContain("Evaluated 2026-11-26 14:02 UTC after a change event");

    const first = textsOf(body[1]!);
    expect(first).toEqual([
      "**High** api-authorized-ip-ranges: The API server is now open to the internet.",
      "apiServerAccessProfile.authorizedIPRanges: 3 ranges → none",
      "Changed by alice@contoso.com at 14:02 UTC (ARM write Microsoft.ContainerService/managedClusters/write).",
      "Fix:",
      "az aks update -g aks-prod -n prod-weu-payments --api-server-authorized-ip-ranges \\<cidrs\\>",
    ]);
    const fix = textBlocks(card).find((block) => block.text.startsWith("az aks update -g aks-prod -n prod-weu-payments --api"));
    expect(fix?.fontType).toBe("Monospace");

    // Most severe first, whatever order the alert came in; the second failure is the same change.
    expect(textsOf(body[2]!)).toEqual([
      "**Medium** local-accounts-disabled: Local accounts were re-enabled.",
      "disableLocalAccounts: true → false",
      "Same change.",
      "Fix:",
      "az aks update -g aks-prod -n prod-weu-payments --disable-local-accounts",
    ]);
  });

  it("has Open in Azure portal, Recheck, Snooze (24 h, 7 d, with a reason) and Show all findings", () => {
    const actions = card.actions ?? [];
    expect(actions.map((action) => action.title)).toEqual(["Open in Azure portal", "Recheck", "Snooze", "Show all findings"]);
    expect(actions[0]).toMatchObject({ type: "Action.OpenUrl", url: clusterLink(PAYMENTS)!.portal.href });
    expect(actions[1]).toEqual({ type: "Action.Submit", title: "Recheck", data: { verb: "recheck", clusterId: PAYMENTS.id } });
    const snooze = actions[2]!;
    expect(snooze.type).toBe("Action.ShowCard");
    if (snooze.type !== "Action.ShowCard") return;
    expect(snooze.card.body).toEqual([expect.objectContaining({ type: "Input.Text", id: "reason", isRequired: true })]);
    expect(snooze.card.actions?.map((action) => [action.title, (action as SubmitAction).data])).toEqual([
      ["Snooze 24 h", { verb: "snooze", clusterId: PAYMENTS.id, hours: 24 }],
      ["Snooze 7 d", { verb: "snooze", clusterId: PAYMENTS.id, hours: 168 }],
    ]);
    const all = actions[3]!;
    expect(all.type === "Action.ShowCard" && markdownTexts(all.card)).toEqual([
      "Failing (2)",
      "**High** api-authorized-ip-ranges: The API server is now open to the internet.",
      "**Medium** local-accounts-disabled: Local accounts were re-enabled.",
      "3 other checks still fail without an alert (reported before, below the alert minimum, snoozed or exempt).",
    ]);
  });

  it("snoozes one check when the card is about one check", () => {
    const single = driftCard({ ...USERS_EXAMPLE, failures: [USERS_EXAMPLE.failures[1]!] }, { channel: "bot" });
    const snooze = single.actions?.find((action) => action.title === "Snooze");
    const data = snooze?.type === "Action.ShowCard" ? snooze.card.actions?.map((action) => (action as SubmitAction).data) : [];
    expect(data).toEqual([
      { verb: "snooze", clusterId: PAYMENTS.id, check: "api-authorized-ip-ranges", hours: 24 },
      { verb: "snooze", clusterId: PAYMENTS.id, check: "api-authorized-ip-ranges", hours: 168 },
    ]);
  });

  it("the webhook variant is the same card with no submit buttons", () => {
    const webhook = driftCard(USERS_EXAMPLE, { channel: "webhook" });
    expectWebhookSafe(webhook);
    expect(webhook.actions?.map((action) => action.title)).toEqual(["Open in Azure portal", "Show all findings"]);
    expect(webhook.body).toEqual(card.body);
  });

  it("says the numbers right for one failure and one resolution", () => {
    const alert = { ...USERS_EXAMPLE, failures: [USERS_EXAMPLE.failures[1]!], resolved: [RESOLVED_ONLY.resolved[1]!] };
    const mixed = driftCard(alert, { channel: "webhook" });
    const mixedTexts = markdownTexts(mixed);
    expect(mixedTexts).toContain("**prod-weu-payments** drifted: 1 new failure, 1 resolved");
    expect(mixedTexts).toContain("**Resolved**: local-accounts-disabled");
  });

  it("a resolved-only alert is a short 'resolved' card", () => {
    const resolved = driftCard(RESOLVED_ONLY, { channel: "bot" });
    const header = resolved.body[0]!;
    expect(header.type === "Container" && header.style).toBe("good");
    expect(markdownTexts(resolved)).toContain("**prod-weu-payments**: 2 findings resolved");
    expect(markdownTexts(resolved)).toContain("apiServerAccessProfile.authorizedIPRanges: none → 3 ranges");
    expect(markdownTexts(resolved)).toContain(
      "Changed by bob@contoso.com at 14:30 UTC (ARM write Microsoft.ContainerService/managedClusters/write).",
    );
    // Nothing to fix, snooze or list: the portal link stays.
    expect(resolved.actions?.map((action) => action.title)).toEqual(["Open in Azure portal"]);
    expect(textBlocks(resolved).some((block) => block.fontType === "Monospace")).toBe(false);
  });

  it("a flapping check says so, with its count", () => {
    const flapping = driftCard(FLAPPING, { channel: "webhook" });
    const all = markdownTexts(flapping);
    expect(all).toContain(
      "**Medium** node-os-auto-upgrade (failing again): Node OS upgrades are off \\(nodeOSUpgradeChannel None\\): " +
        "nodes get no security patches between image upgrades.",
    );
    expect(all).toContain("Flapping: 5 status changes in the flap window.");
    expect(all).toContain("autoUpgradeProfile.nodeOSUpgradeChannel = None (expected NodeImage or SecurityPatch)");
    expect(all).toContain("Evaluated 2026-11-26 02:10 UTC by a sweep");
  });
});

describe("lifecycle and digest cards", () => {
  it("a failed node pool upgrade says which pool, and the command to run it again", () => {
    const card = lifecycleCard(POOL_FAILED, { channel: "bot" });
    const texts = markdownTexts(card);
    expect(texts).toContain("**prod-weu-payments**: node pool userpool2 failed to upgrade");
    expect(texts).toContain("az aks nodepool upgrade -g aks-prod --cluster-name prod-weu-payments -n userpool2 --kubernetes-version 1.33.2");
    expect(card.actions?.map((action) => action.title)).toEqual(["Open in Azure portal", "Recheck"]);
  });

  it("support ending and ended name the version and the upgrade commands", () => {
    for (const alert of [SUPPORT_ENDING, SUPPORT_ENDED]) {
      const texts = markdownTexts(lifecycleCard(alert, { channel: "webhook" }));
      expect(texts.some((text) => text.includes("Kubernetes 1.30.9"))).toBe(true);
      expect(texts).toContain("az aks get-upgrades -g aks-legacy -n legacy-eus-reports -o table");
      expect(texts).toContain("az aks upgrade -g aks-legacy -n legacy-eus-reports --kubernetes-version \\<version\\>");
    }
  });

  it("failed maintenance of a node image suggests a node image upgrade", () => {
    const texts = markdownTexts(lifecycleCard(MAINTENANCE_FAILED, { channel: "webhook" }));
    expect(texts).toContain("**prod-weu-payments**: planned maintenance failed");
    expect(texts).toContain("az aks upgrade -g aks-prod -n prod-weu-payments --node-image-only");
  });

  it("the digest leads with the longest-waiting reboots, then the stalest images, then posture", () => {
    const card = digestCard(DIGEST, { channel: "bot" });
    const texts = card.body.flatMap(textsOf);
    expect(texts[0]).toBe("**AKS fleet digest**: 412 clusters, 7 failing");
    const order = ["Longest-waiting reboots", "Node images furthest behind", "Fleet posture", "Worst clusters"];
    expect(texts.filter((text) => order.includes(text))).toEqual(order);
    // The first section after the header: the longest wait first.
    expect(texts.slice(texts.indexOf("Longest-waiting reboots") + 1, texts.indexOf("Longest-waiting reboots") + 4)).toEqual([
      "**14 d 3 h** aks-system-87654321-vmss000000, pool system on legacy-eus-reports (aks-legacy), since 2026-11-12 03:00 UTC",
      "**6 d** akswin000002, pool win on prod-weu-payments (aks-prod), since 2026-11-20 06:00 UTC",
      "**32 h** aks-batch-12345678-vmss000003, pool batch on dev-neu-batch (aks-dev), since 2026-11-24 22:00 UTC",
    ]);
    expect(texts[texts.indexOf("Node images furthest behind") + 1]).toMatch(/^\*\*79 days\*\* behind: pool system on legacy-eus-reports/);
    expect(texts[texts.indexOf("Worst clusters") + 1]).toBe("**legacy-eus-reports** (aks-legacy): 14 failing, 6 high or above");
    expect(digestCard(DIGEST, { channel: "webhook" })).toEqual(card);
  });

  it("an empty fleet still gets a digest", () => {
    const empty: DigestAlert = {
      ...DIGEST,
      clusters: 0,
      failingClusters: 0,
      counts: { pass: 0, fail: 0, error: 0, exempt: 0 },
      worst: [],
      longestReboots: [],
      stalestImages: [],
    };
    const card = digestCard(empty, { channel: "webhook" });
    expectValidCard(card);
    expect(markdownTexts(card)).toContain("No node is waiting for a reboot.");
  });
});

describe("every card", () => {
  for (const [name, alert] of Object.entries(REPRESENTATIVE)) {
    for (const channel of CHANNELS) {
      it(`${name} (${channel}) is valid, small, escaped and links to the right cluster`, () => {
        expectGoodCard(alert, channel);
      });
    }
  }

  it("matches the reviewed golden files", async () => {
    const goldens: Array<[string, Alert, Channel]> = [
      ["drift-actor-changes.bot", USERS_EXAMPLE, "bot"],
      ["drift-actor-changes.webhook", USERS_EXAMPLE, "webhook"],
      ["drift-resolved-only.webhook", RESOLVED_ONLY, "webhook"],
      ["drift-flapping.webhook", FLAPPING, "webhook"],
      ["lifecycle-nodepool-upgrade-failed.bot", POOL_FAILED, "bot"],
      ["lifecycle-support-ending.webhook", SUPPORT_ENDING, "webhook"],
      ["digest.webhook", DIGEST, "webhook"],
    ];
    for (const [name, alert, channel] of goldens) {
      const message = teamsMessage(alertCard(alert, { channel }));
      await expect(`${JSON.stringify(message, null, 2)}\n`).toMatchFileSnapshot(`__snapshots__/cards/${name}.json`);
    }
  });

  it("stays under 20 KB with 300 failures with huge values, dropping detail step by step", () => {
    const huge = "é*[x](javascript:alert(1))<at>all</at>\n".repeat(300);
    const many: ClusterAlert = {
      ...USERS_EXAMPLE,
      failures: Array.from({ length: 300 }, (_, index) =>
        transition({
          check: `check-${index}-${huge}`,
          severity: SEVERITIES[index % SEVERITIES.length]!,
          message: huge,
          title: huge,
          remediation: `az aks update -g aks-prod -n prod-weu-payments ${huge}\n${huge}\n${huge}\n${huge}`,
          evidence: Array.from({ length: 20 }, () => ({ path: huge, value: huge, expected: huge })),
          changes: Array.from({ length: 20 }, () => ({ path: huge, before: Array(1000).fill(huge), after: { huge } })),
          flaps: index,
        }),
      ),
      resolved: Array.from({ length: 300 }, (_, index) => transition({ check: `resolved-${index}-${huge}`, kind: "resolved", message: huge })),
      stillFailing: 1e6,
    };
    for (const channel of CHANNELS) {
      const card = expectGoodCard(many, channel);
      const texts = markdownTexts(card);
      expect(texts.some((text) => /^\+\d+ more failures/.test(text))).toBe(true);
      expect(texts[1]).toBe("**prod-weu-payments** drifted: 300 new failures, 300 resolved");
    }
    // The same alert at full detail is far over the limit: the ladder did the work.
    const full = buildDriftCard(many, { channel: "bot" }, FULL_DETAIL);
    expect(messageBytes(teamsMessage(full))).toBeGreaterThan(5 * MAX_MESSAGE_BYTES);
  });

  it("a digest of a huge fleet and a lifecycle alert with a thousand details stay under 20 KB too", () => {
    const huge = "💥[x](javascript:alert(1))\n".repeat(400);
    const bigRef = (index: number) => ref(`cluster-${index}`, `rg-${index}`);
    const digest: DigestAlert = {
      ...DIGEST,
      worst: Array.from({ length: 4000 }, (_, index) => ({ cluster: bigRef(index), fail: index, highOrAbove: index % 7 })),
      longestReboots: Array.from({ length: 4000 }, (_, index) => ({ cluster: bigRef(index), node: huge, pool: huge, since: huge, hours: index })),
      stalestImages: Array.from({ length: 4000 }, (_, index) => ({
        cluster: bigRef(index),
        pool: huge,
        image: huge,
        latest: huge,
        daysBehind: index,
      })),
    };
    const details = Object.fromEntries(Array.from({ length: 1000 }, (_, index) => [`${index}${huge}`, huge]));
    const lifecycle: LifecycleAlert = { ...POOL_FAILED, details };
    for (const channel of CHANNELS) {
      const digestTexts = markdownTexts(expectGoodCard(digest, channel));
      expect(digestTexts.filter((text) => /^\+\d+ more/.test(text)).length).toBeGreaterThanOrEqual(3);
      // Still longest first once cut.
      expect(digestTexts[digestTexts.indexOf("Longest-waiting reboots") + 1]).toMatch(/^\*\*166 d 15 h\*\* /);
      expectGoodCard(lifecycle, channel);
    }
  });

  it("the size ladder drops evidence, then fix commands, then items; and has a last resort", () => {
    const ladder = detailLadder();
    expect(ladder[0]).toEqual(FULL_DETAIL);
    const evidenceOff = ladder.findIndex((step) => !step.evidence);
    const fixesOff = ladder.findIndex((step) => !step.fixes);
    const fewerItems = ladder.findIndex((step) => step.items < FULL_DETAIL.items);
    expect(evidenceOff).toBeGreaterThan(0);
    expect(fixesOff).toBeGreaterThan(evidenceOff);
    expect(fewerItems).toBeGreaterThan(fixesOff);
    expect(ladder.at(-1)).toMatchObject({ evidence: false, fixes: false, items: 0, moreItems: 0 });

    const body = Array.from({ length: 100 }, () => textBlock(md`${"x".repeat(300)}`));
    const tooBig = () => ({ type: "AdaptiveCard" as const, version: "1.4", body });
    const fallback = () => ({ type: "AdaptiveCard" as const, version: "1.4", body: [textBlock(md`small`)] });
    const fitted = fitCard(tooBig, fallback);
    expect(fitted.card).toEqual(fallback());
    expect(fitted.bytes).toBeLessThan(MAX_MESSAGE_BYTES);
  });

  it("random alerts with hostile strings: valid, under 20 KB, escaped, no submit on webhooks (fast-check)", () => {
    fc.assert(
      fc.property(anyAlert, fc.constantFrom(...CHANNELS), (alert, channel) => {
        expectGoodCard(alert, channel);
      }),
      { numRuns: 150 },
    );
  });
});

function textsOf(element: CardElement): string[] {
  return markdownTexts({ type: "AdaptiveCard", body: [element] });
}

// ---------------------------------------------------------------------------------------------
// Arbitraries
// ---------------------------------------------------------------------------------------------

const HOSTILE = [
  "**bold** _it_ ~~strike~~",
  "[click me](javascript:alert(1))",
  "](javascript:alert(document.cookie))",
  "<at>General</at> <at id=\"0\">everyone</at>",
  "&lt;at&gt;x&lt;/at&gt;",
  "line1\nline2\r\n- item\n1. one\n# head\n> quote",
  "\u202Egnp.exe\u202C",
  "\u2066isolated\u2069 \u200Bzero\u200Bwidth\uFEFF",
  "https://evil.example/x www.evil.example mailto:x@evil.example",
  "`code` | a | b |",
  "{{DATE(2017-02-14T06:08:39Z, SHORT)}} ${name}",
  "\\",
  "\\[escaped\\]\\",
  "- leading",
  "+ plus",
  "1. numbered",
  "12) paren",
  "* star",
  "<img src=x onerror=alert(1)>",
  "日本語🙂👍🏽 עברית",
  "\u0000\u0007\u001b[31mred\u001b[0m",
  "",
  " ",
];

const hostileString: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...HOSTILE) },
  { weight: 3, arbitrary: fc.string({ maxLength: 40 }) },
  { weight: 2, arbitrary: fc.string({ unit: "binary", maxLength: 40 }) },
  { weight: 1, arbitrary: fc.array(fc.constantFrom(...HOSTILE), { minLength: 1, maxLength: 6 }).map((parts) => parts.join(" ")) },
  {
    weight: 1,
    arbitrary: fc
      .tuple(fc.constantFrom("A", "é", "💥", "](j:x)", "<at>"), fc.integer({ min: 2_000, max: 10_240 }))
      .map(([unit, length]) => unit.repeat(length).slice(0, 10_240)),
  },
);

const validRef: fc.Arbitrary<ClusterRef> = fc
  .record({
    subscriptionId: fc.uuid(),
    resourceGroup: fc.stringMatching(/^[-\w.()]{1,90}$/).filter((name) => !name.endsWith(".")),
    name: fc.stringMatching(/^[a-zA-Z0-9](?:[a-zA-Z0-9_-]{0,61}[a-zA-Z0-9])?$/),
  })
  .map(({ subscriptionId, resourceGroup, name }) => ref(name, resourceGroup, subscriptionId));

const hostileRef: fc.Arbitrary<ClusterRef> = fc.record({
  id: hostileString,
  subscriptionId: hostileString,
  resourceGroup: hostileString,
  name: hostileString,
});

const anyRef = fc.oneof(validRef, hostileRef);
const anyTime = fc.oneof(fc.date({ noInvalidDate: true }).map((date) => date.toISOString()), hostileString);
const anyValue: fc.Arbitrary<unknown> = fc.oneof(
  hostileString,
  fc.array(hostileString, { maxLength: 30 }),
  fc.boolean(),
  fc.integer(),
  fc.constant(null),
  fc.constant(undefined),
  fc.dictionary(hostileString, hostileString, { maxKeys: 4 }),
);

const settingChange: fc.Arbitrary<SettingChange> = fc.record({ path: hostileString, before: anyValue, after: anyValue });

const anyTransition: fc.Arbitrary<Transition> = fc.record(
  {
    check: fc.oneof(fc.constantFrom("api-authorized-ip-ranges", "local-accounts-disabled"), hostileString),
    kind: fc.constantFrom<TransitionKind>("newFailure", "regressed", "resolved", "error"),
    severity: fc.constantFrom(...SEVERITIES),
    title: hostileString,
    to: fc.constantFrom("pass", "fail", "error", "notApplicable"),
    message: hostileString,
    evidence: fc.array(fc.record({ path: hostileString, value: anyValue, expected: fc.option(hostileString, { nil: undefined }) }), { maxLength: 5 }),
    remediation: fc.option(hostileString, { nil: undefined }),
    changes: fc.array(settingChange, { maxLength: 6 }),
    flaps: fc.nat(20),
  },
  { requiredKeys: ["check", "kind", "severity", "title", "to", "message", "evidence", "changes", "flaps"] },
);

const anyTrigger: fc.Arbitrary<Trigger> = fc.record(
  {
    kind: fc.constantFrom("event", "sweep", "recheck", "cli"),
    id: hostileString,
    actor: fc.record({ name: hostileString, at: anyTime, operation: fc.option(hostileString, { nil: undefined }) }, { requiredKeys: ["name", "at"] }),
  },
  { requiredKeys: ["kind"] },
);

const clusterAlert: fc.Arbitrary<ClusterAlert> = fc.record({
  kind: fc.constant("drift" as const),
  alertId: hostileString,
  cluster: fc
    .tuple(anyRef, fc.option(hostileString, { nil: undefined }))
    .map(([cluster, location]) => ({ ...cluster, ...(location === undefined ? {} : { location }) })),
  evaluatedAt: anyTime,
  trigger: anyTrigger,
  failures: fc.array(anyTransition, { maxLength: 40 }),
  resolved: fc.array(anyTransition, { maxLength: 15 }),
  stillFailing: fc.nat(500),
});

const lifecycleAlert: fc.Arbitrary<LifecycleAlert> = fc.record({
  kind: fc.constantFrom("nodePoolUpgradeFailed", "supportEnding", "supportEnded", "maintenanceFailed"),
  alertId: hostileString,
  cluster: anyRef,
  at: anyTime,
  details: fc.dictionary(
    fc.oneof(
      fc.constantFrom("nodePoolName", "kubernetesVersion", "targetKubernetesVersion", "nodeImageVersion", "eventDetails", "eventSource"),
      hostileString,
    ),
    fc.oneof(fc.constantFrom("np1", "1.33.2", "vhd"), hostileString),
    { maxKeys: 25 },
  ),
});

const digestAlert: fc.Arbitrary<DigestAlert> = fc.record({
  kind: fc.constant("digest" as const),
  alertId: hostileString,
  at: anyTime,
  clusters: fc.oneof(fc.nat(), fc.double()),
  failingClusters: fc.oneof(fc.nat(), fc.double()),
  counts: fc.record({ pass: fc.nat(), fail: fc.nat(), error: fc.nat(), exempt: fc.nat() }),
  worst: fc.array(fc.record({ cluster: anyRef, fail: fc.nat(), highOrAbove: fc.nat() }), { maxLength: 60 }),
  longestReboots: fc.array(
    fc.record(
      { cluster: anyRef, node: hostileString, pool: hostileString, since: anyTime, hours: fc.double({ min: 0, max: 1e6, noNaN: true }) },
      { requiredKeys: ["cluster", "node", "since", "hours"] },
    ),
    { maxLength: 60 },
  ),
  stalestImages: fc.array(
    fc.record(
      { cluster: anyRef, pool: hostileString, image: hostileString, latest: hostileString, daysBehind: fc.nat(2000) },
      { requiredKeys: ["cluster", "pool", "image", "daysBehind"] },
    ),
    { maxLength: 60 },
  ),
});

const anyAlert: fc.Arbitrary<Alert> = fc.oneof(clusterAlert, lifecycleAlert, digestAlert);
