/**
 * The two Azure Resource Graph query shapes the product sends, parsed with small regexes, answered from
 * the ARM store in the `objectArray` result format with `$top`/`$skip`/`$skipToken` paging. Anything else
 * is refused the way the service refuses a query it cannot parse (400 BadRequest, detail InvalidQuery).
 *
 * (a) resources | where type =~ 'microsoft.containerservice/managedclusters'
 *       [| where resourceGroup =~ '<rg>'] [| where tags['<key>'] =~ '<value>']...
 *       | project id, name, type, location, resourceGroup, subscriptionId, tags, sku, identity, properties, kind
 *       | order by id asc
 * (b) securityresources | where type =~ 'microsoft.security/assessments' and name =~ '<key>'
 *       | project id, name, properties
 *
 * KQL semantics kept: `=~` compares values case-insensitively, but `tags['<key>']` looks the key up
 * case-sensitively (dynamic property access), and `order by id` is ordinal.
 */
import { createHash } from "node:crypto";
import type { ArmStore } from "./armStore.js";
import { invalidGraphQuery, type Answer } from "./armErrors.js";
import type { Json } from "./httpsServer.js";

export type GraphQuery =
  | { shape: "clusters"; resourceGroup?: string; tags: Array<{ key: string; value: string }> }
  | { shape: "assessments"; name: string };

const CLUSTER_TYPE = "microsoft.containerservice/managedclusters";
const ASSESSMENT_TYPE = "microsoft.security/assessments";
const CLUSTER_COLUMNS = "id,name,type,location,resourceGroup,subscriptionId,tags,sku,identity,properties,kind";
const ASSESSMENT_COLUMNS = "id,name,properties";
/** A KQL string literal in single quotes, backslash escapes allowed. */
const LITERAL = String.raw`'((?:[^'\\]|\\.)*)'`;
const MAX_TOP = 1000;

export function parseGraphQuery(text: string): GraphQuery | string {
  const stages = splitStages(text);
  const [table, ...rest] = stages;
  if (/^resources$/i.test(table ?? "")) return parseClusterQuery(rest);
  if (/^securityresources$/i.test(table ?? "")) return parseAssessmentQuery(rest);
  return `unsupported table in: ${text}`;
}

function parseClusterQuery(stages: string[]): GraphQuery | string {
  const [typeStage, ...rest] = stages;
  const type = new RegExp(`^where\\s+type\\s*=~\\s*${LITERAL}$`).exec(typeStage ?? "");
  if (!type || unescape(type[1]!).toLowerCase() !== CLUSTER_TYPE) return `expected "where type =~ '${CLUSTER_TYPE}'"`;
  const query: GraphQuery = { shape: "clusters", tags: [] };
  let i = 0;
  const group = new RegExp(`^where\\s+resourceGroup\\s*=~\\s*${LITERAL}$`).exec(rest[i] ?? "");
  if (group) {
    query.resourceGroup = unescape(group[1]!);
    i++;
  }
  const tagPattern = new RegExp(`^where\\s+tags\\[\\s*${LITERAL}\\s*\\]\\s*=~\\s*${LITERAL}$`);
  for (let tag = tagPattern.exec(rest[i] ?? ""); tag; tag = tagPattern.exec(rest[i] ?? "")) {
    query.tags.push({ key: unescape(tag[1]!), value: unescape(tag[2]!) });
    i++;
  }
  if (!isProject(rest[i], CLUSTER_COLUMNS)) return `expected "project ${CLUSTER_COLUMNS.replaceAll(",", ", ")}"`;
  if (!/^order\s+by\s+id\s+asc$/.test(rest[i + 1] ?? "")) return `expected "order by id asc"`;
  if (rest.length !== i + 2) return "unexpected stages after order by";
  return query;
}

function parseAssessmentQuery(stages: string[]): GraphQuery | string {
  const where = new RegExp(`^where\\s+type\\s*=~\\s*${LITERAL}\\s+and\\s+name\\s*=~\\s*${LITERAL}$`).exec(stages[0] ?? "");
  if (!where || unescape(where[1]!).toLowerCase() !== ASSESSMENT_TYPE) {
    return `expected "where type =~ '${ASSESSMENT_TYPE}' and name =~ '<key>'"`;
  }
  if (!isProject(stages[1], ASSESSMENT_COLUMNS) || stages.length !== 2) return `expected "project ${ASSESSMENT_COLUMNS}" to end the query`;
  return { shape: "assessments", name: unescape(where[2]!) };
}

function isProject(stage: string | undefined, columns: string): boolean {
  const found = /^project\s+([\s\S]+)$/.exec(stage ?? "");
  return found !== null && found[1]!.replace(/\s+/g, "") === columns;
}

/** The query's `|`-separated stages, trimmed; a `|` inside a string literal does not split. */
function splitStages(text: string): string[] {
  const stages: string[] = [];
  let current = "";
  let quote: string | undefined;
  for (let i = 0; i < text.length; i++) {
    const char = text[i]!;
    if (quote) {
      current += char;
      if (char === "\\") current += text[++i] ?? "";
      else if (char === quote) quote = undefined;
    } else if (char === "'" || char === '"') {
      quote = char;
      current += char;
    } else if (char === "|") {
      stages.push(current.trim());
      current = "";
    } else {
      current += char;
    }
  }
  stages.push(current.trim());
  return stages;
}

function unescape(literal: string): string {
  return literal.replace(/\\(.)/g, "$1");
}

/** The rows a query selects, in the service's column spelling. */
export function graphRows(store: ArmStore, subscriptions: string[], query: GraphQuery): Json[] {
  const rows: Json[] = [];
  if (query.shape === "clusters") {
    for (const subscription of subscriptions) {
      for (const cluster of store.ofType(subscription, CLUSTER_TYPE)) {
        const row = clusterRow(cluster);
        if (query.resourceGroup !== undefined && row.resourceGroup !== query.resourceGroup.toLowerCase()) continue;
        if (!query.tags.every(({ key, value }) => sameText(row.tags?.[key], value))) continue;
        rows.push(row);
      }
    }
    return rows.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }
  for (const subscription of subscriptions) {
    for (const assessment of store.ofType(subscription, ASSESSMENT_TYPE)) {
      if (!sameText(assessment.name, query.name)) continue;
      rows.push({ id: assessment.id, name: assessment.name, properties: assessment.properties ?? null });
    }
  }
  return rows;
}

function sameText(actual: unknown, wanted: string): boolean {
  return typeof actual === "string" && actual.toLowerCase() === wanted.toLowerCase();
}

/**
 * A managed cluster as a Resource Graph row: the stored body's columns, `type` and `resourceGroup`
 * lower-cased as the service stores them, `subscriptionId` added. Absent dynamic columns come back null,
 * absent string columns empty.
 */
function clusterRow(cluster: Json): Json {
  const id = String(cluster.id);
  const [, , subscriptionId = "", , resourceGroup = ""] = id.split("/");
  return {
    id,
    name: cluster.name ?? id.split("/").pop(),
    type: String(cluster.type ?? CLUSTER_TYPE).toLowerCase(),
    location: cluster.location ?? "",
    resourceGroup: resourceGroup.toLowerCase(),
    subscriptionId,
    tags: cluster.tags ?? null,
    sku: cluster.sku ?? null,
    identity: cluster.identity ?? null,
    properties: cluster.properties ?? null,
    kind: cluster.kind ?? "",
  };
}

/** The request body of POST /providers/Microsoft.ResourceGraph/resources (QueryRequest). */
interface QueryRequest {
  subscriptions?: string[];
  query?: string;
  options?: { $top?: number; $skip?: number; $skipToken?: string; resultFormat?: string };
}

/**
 * The whole answer to a Resource Graph request body (already parsed JSON). `maxRowsPerPage` caps a page
 * below the `$top` asked for (the service, too, may answer fewer rows than `$top`, with a `$skipToken`).
 */
export function answerGraphQuery(store: ArmStore, request: QueryRequest, maxRowsPerPage = MAX_TOP): Answer {
  if (typeof request.query !== "string") return invalidGraphQuery("the request has no query");
  const parsed = parseGraphQuery(request.query);
  if (typeof parsed === "string") return invalidGraphQuery(parsed);
  const options = request.options ?? {};
  if (options.resultFormat !== undefined && options.resultFormat !== "objectArray") {
    return invalidGraphQuery(`resultFormat ${options.resultFormat} is not served by the test server`);
  }
  const asked = options.$top ?? MAX_TOP;
  if (!Number.isInteger(asked) || asked < 1 || asked > MAX_TOP) return invalidGraphQuery(`$top must be 1..${MAX_TOP}`);
  const top = Math.min(asked, maxRowsPerPage);
  const subscriptions = request.subscriptions?.length ? request.subscriptions : store.subscriptions();
  const fingerprint = createHash("sha1").update(`${request.query}\n${[...subscriptions].sort().join(",")}`).digest("hex").slice(0, 12);
  let offset = options.$skip ?? 0;
  if (options.$skipToken !== undefined) {
    const decoded = decodeSkipToken(options.$skipToken);
    if (!decoded || decoded.q !== fingerprint) return invalidGraphQuery("the $skipToken does not belong to this query");
    offset = decoded.o;
  }
  const rows = graphRows(store, subscriptions, parsed);
  const data = rows.slice(offset, offset + top);
  const next = offset + data.length;
  return {
    status: 200,
    body: {
      totalRecords: rows.length,
      count: data.length,
      data,
      facets: [],
      resultTruncated: "false",
      ...(next < rows.length ? { $skipToken: encodeSkipToken({ o: next, q: fingerprint }) } : {}),
    },
  };
}

function encodeSkipToken(token: { o: number; q: string }): string {
  return Buffer.from(JSON.stringify(token)).toString("base64url");
}

function decodeSkipToken(text: string): { o: number; q: string } | undefined {
  try {
    const token = JSON.parse(Buffer.from(text, "base64url").toString("utf8"));
    return Number.isInteger(token?.o) && typeof token?.q === "string" ? token : undefined;
  } catch {
    return undefined;
  }
}
