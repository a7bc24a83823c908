/**
 * The dashboard's browser code. `renderDashboardPage` embeds `dashboardClient.toString()` as the page's one
 * inline script, so the function must stand alone: no imports at run time, nothing from outside its body.
 * Every piece of model data reaches the DOM through text nodes or attributes, never as markup.
 *
 * The model arrives gzipped and base64-encoded in `<script type="application/octet-stream" id="aksmon-data">`:
 * decoded with `atob`, inflated with the browser's DecompressionStream (no request, no blob: URL, so the
 * page's strict CSP holds), then parsed. The page says "Loading…" meanwhile, and why when that fails.
 */
import type { DashboardCheck, DashboardCluster, DashboardFinding, DashboardModel, HistoryEntry } from "./model.js";

// The few browser APIs used: the project compiles without the DOM lib.
interface DomNode {
  textContent: string | null;
}
interface DomElement extends DomNode {
  getAttribute(name: string): string | null;
  appendChild(child: DomNode): DomNode;
  replaceChildren(...children: DomNode[]): void;
  setAttribute(name: string, value: string): void;
  addEventListener(type: string, listener: (event: DomEvent) => void): void;
  focus(): void;
}
interface DomControl extends DomElement {
  value: string;
  disabled: boolean;
}
interface DomEvent {
  preventDefault(): void;
}
interface DomDocument {
  title: string;
  getElementById(id: string): DomElement | null;
  createElement(tag: string): DomElement;
  createElementNS(namespace: string, tag: string): DomElement;
  createTextNode(text: string): DomNode;
}
interface ByteStream {
  pipeThrough(transform: unknown): ByteStream;
}
interface BrowserGlobals {
  document: DomDocument;
  location: { hash: string };
  history: { replaceState(state: null, unused: string, url: string): void };
  addEventListener(type: "hashchange", listener: () => void): void;
  atob(data: string): string;
  Blob: new (parts: Uint8Array[]) => { stream(): ByteStream };
  Response: new (body: ByteStream) => { text(): Promise<string> };
  DecompressionStream?: new (format: "gzip") => unknown;
}

/**
 * The embedded form of the model: findings and history changes grouped by check across the fleet, so that
 * gzip (whose window is 32 KB, less than a cluster) sees the same check's paths, messages and remediation
 * side by side: 2,000 badly configured clusters gzip to ~4 MB instead of ~9 MB.
 */
export interface PackedDashboard {
  v: 1;
  model: Omit<DashboardModel, "clusters"> & {
    clusters: Array<Omit<DashboardCluster, "findings" | "history"> & { findings: number; history: Array<Omit<HistoryEntry, "changes"> & { changes: number }> }>;
  };
  /** Per check: [cluster index, finding index, the finding] (the objects as they are: no copy to pack or unpack). */
  findings: Array<[string, Array<[number, number, DashboardFinding]>]>;
  /** Per check: [cluster index, history index, change index, the change]. */
  changes: Array<[string, Array<[number, number, number, HistoryEntry["changes"][number]]>]>;
}

/** The model back from its embedded form. Stands alone too: the page passes it to `dashboardClient`. */
export function unpackDashboardModel(packed: PackedDashboard): DashboardModel {
  if (!packed || packed.v !== 1 || !packed.model || !Array.isArray(packed.model.clusters) || !Array.isArray(packed.findings) || !Array.isArray(packed.changes)) {
    throw new Error("the data is not a fleet dashboard model");
  }
  const clusters: DashboardCluster[] = packed.model.clusters.map((cluster) => ({
    ...cluster,
    findings: new Array<DashboardFinding>(cluster.findings),
    history: cluster.history.map((entry) => ({ ...entry, changes: new Array<HistoryEntry["changes"][number]>(entry.changes) })),
  }));
  for (const [, rows] of packed.findings) for (const [c, f, finding] of rows) clusters[c]!.findings[f] = finding;
  for (const [, rows] of packed.changes) for (const [c, h, k, change] of rows) clusters[c]!.history[h]!.changes[k] = change;
  for (const cluster of clusters) {
    // A hole is a damaged document: better an error than a cluster silently missing a finding.
    if (cluster.findings.includes(undefined as never) || cluster.history.some((entry) => entry.changes.includes(undefined as never))) {
      throw new Error("the data is incomplete");
    }
  }
  return { ...packed.model, clusters };
}

/** The model in its embedded form (`unpackDashboardModel` undoes it). */
export function packDashboardModel(model: DashboardModel): PackedDashboard {
  const findings = new Map<string, PackedDashboard["findings"][number][1]>();
  const changes = new Map<string, PackedDashboard["changes"][number][1]>();
  const clusters = model.clusters.map((cluster, c) => {
    cluster.findings.forEach((finding, f) => {
      let rows = findings.get(finding.check);
      if (!rows) findings.set(finding.check, (rows = []));
      rows.push([c, f, finding]);
    });
    const history = cluster.history.map((entry, h) => {
      entry.changes.forEach((change, k) => {
        let rows = changes.get(change.check);
        if (!rows) changes.set(change.check, (rows = []));
        rows.push([c, h, k, change]);
      });
      return { ...entry, changes: entry.changes.length };
    });
    return { ...cluster, findings: cluster.findings.length, history };
  });
  return { v: 1, model: { ...model, clusters }, findings: [...findings], changes: [...changes] };
}

export function dashboardClient(unpack: (packed: PackedDashboard) => DashboardModel): void {
  const win = globalThis as unknown as BrowserGlobals;
  const doc = win.document;
  // A namespace name, never fetched; split so that the page holds no URL-like text at all (a test asserts it).
  const SVG_NS = "http:/" + "/www.w3.org/2000/svg";
  const SEVERITIES = ["critical", "high", "medium", "low", "info"];
  const PAGE_SIZE = 50;
  const HEATMAP_ROWS = 50;
  const TOP_CHECKS = 15;
  const TOP_HEALTH = 20;
  const DAY_MS = 86_400_000;

  const categoryLabels = JSON.parse(doc.getElementById("aksmon-categories")?.textContent ?? "{}") as Record<string, string>;
  const nav = doc.getElementById("nav")!;
  const main = doc.getElementById("main")!;
  // Set once the embedded data is decoded (`start`), before anything is drawn.
  let model = undefined as unknown as DashboardModel;
  let checks = new Map<string, DashboardCheck>();
  let clustersById = new Map<string, DashboardCluster>();
  let subscriptions: string[] = [];
  let generatedMs = 0;

  type Child = DomNode | string | number | null | undefined | false;

  function build(element: DomElement, attrs: Record<string, string | undefined>, children: Child[]): DomElement {
    for (const [name, value] of Object.entries(attrs)) if (value !== undefined) element.setAttribute(name, value);
    for (const child of children) {
      if (child === null || child === undefined || child === false) continue;
      element.appendChild(typeof child === "object" ? child : doc.createTextNode(String(child)));
    }
    return element;
  }
  const h = (tag: string, attrs: Record<string, string | undefined> = {}, ...children: Child[]) => build(doc.createElement(tag), attrs, children);
  const svg = (tag: string, attrs: Record<string, string | undefined> = {}, ...children: Child[]) =>
    build(doc.createElementNS(SVG_NS, tag), attrs, children);

  const capitalise = (text: string) => text.charAt(0).toUpperCase() + text.slice(1);
  const count = (n: number) => n.toLocaleString("en-US");
  const severityRank = (severity: string | undefined) => (severity === undefined ? SEVERITIES.length : SEVERITIES.indexOf(severity));
  function when(iso: string | undefined): string {
    const ms = iso ? Date.parse(iso) : Number.NaN;
    return Number.isNaN(ms) ? (iso ?? "") : `${new Date(ms).toISOString().slice(0, 16).replace("T", " ")} UTC`;
  }
  function value(data: unknown): string {
    if (data === undefined) return "(absent)";
    return typeof data === "string" ? data : JSON.stringify(data);
  }
  const daysSince = (iso: string) => Math.max(0, Math.floor((generatedMs - Date.parse(iso)) / DAY_MS));
  const severityBadge = (severity: string | undefined) =>
    h("span", { class: `sev sev-${severity ?? "none"}` }, severity ? capitalise(severity) : "None failing");
  const STATUS_LABELS: Record<string, string> = { pass: "Pass", fail: "Fail", error: "Error", notApplicable: "Not applicable" };
  const TRIGGER_LABELS: Record<string, string> = { event: "ARM event", sweep: "Sweep", recheck: "Recheck", cli: "Command line" };
  const CHANGE_LABELS: Record<string, string> = { newFailure: "New failure", regressed: "Regressed", resolved: "Resolved" };

  function table(caption: string, headers: string[], rows: Child[][], options: { numeric?: number[]; rowHeader?: boolean } = {}): DomElement {
    const numeric = new Set(options.numeric ?? []);
    return h(
      "table",
      {},
      h("caption", {}, caption),
      h("thead", {}, h("tr", {}, ...headers.map((label, i) => h("th", { scope: "col", class: numeric.has(i) ? "num" : undefined }, label)))),
      h(
        "tbody",
        {},
        ...rows.map((cells) =>
          h(
            "tr",
            {},
            ...cells.map((cell, i) =>
              h(i === 0 && options.rowHeader ? "th" : "td", { scope: i === 0 && options.rowHeader ? "row" : undefined, class: numeric.has(i) ? "num" : undefined }, cell),
            ),
          ),
        ),
      ),
    );
  }
  const scroller = (label: string, content: DomElement) => h("div", { class: "scroll", role: "region", "aria-label": label, tabindex: "0" }, content);

  // --- routes: `#/?filters` and `#/cluster/<encoded id>?filters`; the filters ride along so that "back" keeps them.
  interface State {
    sub: string;
    sev: string;
    tag: string;
    q: string;
    sort: string;
    dir: "asc" | "desc";
    page: number;
  }
  interface Column {
    key: string;
    label: string;
    compare: (a: DashboardCluster, b: DashboardCluster) => number;
    firstDir: "asc" | "desc";
    numeric?: boolean;
  }
  const byText = (pick: (c: DashboardCluster) => string) => (a: DashboardCluster, b: DashboardCluster) => pick(a).localeCompare(pick(b));
  const byNumber = (pick: (c: DashboardCluster) => number) => (a: DashboardCluster, b: DashboardCluster) => pick(a) - pick(b);
  const COLUMNS: Column[] = [
    { key: "name", label: "Cluster", compare: byText((c) => c.name), firstDir: "asc" },
    { key: "subscription", label: "Subscription", compare: byText((c) => c.subscriptionId), firstDir: "asc" },
    { key: "group", label: "Resource group", compare: byText((c) => c.resourceGroup), firstDir: "asc" },
    { key: "location", label: "Location", compare: byText((c) => c.location ?? ""), firstDir: "asc" },
    { key: "version", label: "Kubernetes", compare: byText((c) => c.kubernetesVersion ?? ""), firstDir: "desc" },
    { key: "fail", label: "Fail", compare: byNumber((c) => c.summary.fail), firstDir: "desc", numeric: true },
    { key: "error", label: "Error", compare: byNumber((c) => c.summary.error), firstDir: "desc", numeric: true },
    { key: "severity", label: "Worst severity", compare: byNumber((c) => -severityRank(c.worstSeverity)), firstDir: "desc" },
    { key: "evaluated", label: "Last evaluated", compare: byText((c) => c.lastEvaluatedAt), firstDir: "desc" },
  ];

  function stateOf(query: string): State {
    const params = new URLSearchParams(query);
    const sev = params.get("sev") ?? "";
    const sort = params.get("sort") ?? "";
    const page = Number.parseInt(params.get("page") ?? "1", 10);
    return {
      sub: params.get("sub") ?? "",
      sev: SEVERITIES.includes(sev) ? sev : "",
      tag: params.get("tag") ?? "",
      q: params.get("q") ?? "",
      sort: COLUMNS.some((column) => column.key === sort) ? sort : "",
      dir: params.get("dir") === "desc" ? "desc" : "asc",
      page: page >= 1 ? page : 1,
    };
  }
  function queryOf(state: State): string {
    const params = new URLSearchParams();
    if (state.sub) params.set("sub", state.sub);
    if (state.sev) params.set("sev", state.sev);
    if (state.tag) params.set("tag", state.tag);
    if (state.q) params.set("q", state.q);
    if (state.sort) params.set("sort", state.sort);
    if (state.sort) params.set("dir", state.dir);
    if (state.page > 1) params.set("page", String(state.page));
    const text = params.toString();
    return text ? `?${text}` : "";
  }
  const overviewHref = (state: State) => `#/${queryOf(state)}`;
  const clusterHref = (id: string, state: State) => `#/cluster/${encodeURIComponent(id)}${queryOf(state)}`;

  function route(): { clusterId?: string; state: State } {
    const hash = win.location.hash.slice(1);
    const mark = hash.indexOf("?");
    const path = mark < 0 ? hash : hash.slice(0, mark);
    const state = stateOf(mark < 0 ? "" : hash.slice(mark + 1));
    const match = /^\/cluster\/(.+)$/.exec(path);
    if (!match) return { state };
    try {
      return { clusterId: decodeURIComponent(match[1]!), state };
    } catch {
      return { clusterId: match[1]!, state };
    }
  }

  function matches(cluster: DashboardCluster, state: State): boolean {
    if (state.sub && cluster.subscriptionId !== state.sub) return false;
    if (state.sev && severityRank(cluster.worstSeverity) > severityRank(state.sev)) return false;
    const tag = state.tag.trim();
    if (tag) {
      const eq = tag.indexOf("=");
      const key = (eq < 0 ? tag : tag.slice(0, eq)).trim().toLowerCase();
      const wanted = eq < 0 ? undefined : tag.slice(eq + 1).trim().toLowerCase();
      const found = Object.entries(cluster.tags).some(([k, v]) => k.toLowerCase() === key && (wanted === undefined || v.toLowerCase() === wanted));
      if (!found) return false;
    }
    const q = state.q.trim().toLowerCase();
    return !q || cluster.name.toLowerCase().includes(q);
  }
  const clusterLink = (cluster: DashboardCluster, state: State) => h("a", { href: clusterHref(cluster.id, state) }, cluster.name);

  // --- the overview
  let current: State = stateOf("");
  let panels: { status: DomElement; counts: DomElement; heatmap: DomElement; topChecks: DomElement; reboots: DomElement; images: DomElement; clusters: DomElement } | undefined;

  function showOverview(state: State, returningFrom: string | undefined): void {
    current = state;
    doc.title = "AKS fleet posture · aksmon";
    nav.replaceChildren(h("a", { href: overviewHref(state), "aria-current": "page" }, "Fleet overview"));
    if (model.clusters.length === 0) {
      panels = undefined;
      main.replaceChildren(
        h("h2", {}, "Fleet overview"),
        h("p", { class: "empty" }, "No clusters have been evaluated yet: once the monitor has evaluated a cluster (by an event, a sweep or a recheck), it appears here."),
        ...deliveryPanel(),
        trendPanel(),
      );
      return;
    }
    const field = (id: string, label: string, control: DomElement) => h("div", { class: "field" }, h("label", { for: id }, label), control);
    const select = (id: string, options: Array<[string, string]>, selected: string) => {
      const element = h("select", { id }, ...options.map(([v, label]) => h("option", { value: v }, label))) as DomControl;
      element.value = selected;
      return element;
    };
    const input = (id: string, type: string, text: string, placeholder: string) => {
      const element = h("input", { id, type, placeholder, autocomplete: "off", spellcheck: "false" }) as DomControl;
      element.value = text;
      return element;
    };
    const sub = select("filter-subscription", [["", "All subscriptions"], ...subscriptions.map((id): [string, string] => [id, id])], state.sub);
    const sev = select("filter-severity", [["", "Any"], ...SEVERITIES.map((s): [string, string] => [s, capitalise(s)])], state.sev);
    const tag = input("filter-tag", "text", state.tag, "env=prod");
    const q = input("filter-name", "search", state.q, "payments");
    const clear = h("button", { type: "button", id: "filter-clear" }, "Clear filters");
    const form = h(
      "form",
      { role: "search", "aria-label": "Filter clusters", class: "filters" },
      field("filter-subscription", "Subscription", sub),
      field("filter-severity", "Failing at or above", sev),
      field("filter-tag", "Tag (key or key=value)", tag),
      field("filter-name", "Cluster name contains", q),
      clear,
    );
    const fromControls = () => ({ ...current, sub: sub.value, sev: sev.value, tag: tag.value, q: q.value, page: 1 });
    form.addEventListener("submit", (event) => event.preventDefault());
    for (const control of [sub, sev]) control.addEventListener("change", () => apply(fromControls()));
    for (const control of [tag, q]) control.addEventListener("input", () => apply(fromControls()));
    clear.addEventListener("click", () => {
      for (const control of [sub, sev, tag, q]) control.value = "";
      apply(fromControls());
    });

    panels = {
      status: h("p", { class: "status", role: "status", id: "filter-status" }),
      counts: h("dl", { class: "counts", id: "fleet-counts" }),
      heatmap: h("section", { class: "panel", "aria-labelledby": "heatmap-title" }),
      topChecks: h("section", { class: "panel", "aria-labelledby": "top-checks-title" }),
      reboots: h("section", { class: "panel", "aria-labelledby": "reboots-title" }),
      images: h("section", { class: "panel", "aria-labelledby": "images-title" }),
      clusters: h("section", { class: "panel", "aria-labelledby": "clusters-title" }),
    };
    main.replaceChildren(
      h("h2", {}, "Fleet overview"),
      form,
      panels.status,
      h("section", { class: "panel", "aria-label": "Fleet counts" }, panels.counts),
      ...deliveryPanel(),
      trendPanel(),
      panels.clusters,
      panels.heatmap,
      h("div", { class: "grid" }, panels.topChecks, panels.reboots),
      panels.images,
    );
    fill(state);
    if (returningFrom !== undefined) {
      // Back from a cluster: focus its link when it is on this page, else the first one.
      const links = [...clusterLinks.entries()];
      (clusterLinks.get(returningFrom) ?? links[0]?.[1])?.focus();
    }
  }

  function apply(state: State, focusId?: string): void {
    current = state;
    win.history.replaceState(null, "", overviewHref(state));
    nav.replaceChildren(h("a", { href: overviewHref(state), "aria-current": "page" }, "Fleet overview"));
    fill(state);
    if (focusId) doc.getElementById(focusId)?.focus();
  }

  const clusterLinks = new Map<string, DomElement>();

  function fill(state: State): void {
    if (!panels) return;
    const shown = model.clusters.filter((cluster) => matches(cluster, state));
    const filtered = shown.length !== model.clusters.length;
    panels.status.textContent = filtered
      ? `Showing ${count(shown.length)} of ${count(model.clusters.length)} clusters`
      : `Showing all ${count(model.clusters.length)} clusters`;
    clusterLinks.clear();
    fillCounts(panels.counts, shown);
    fillClusters(panels.clusters, shown, state);
    fillHeatmap(panels.heatmap, shown, state);
    fillTopChecks(panels.topChecks, shown);
    fillReboots(panels.reboots, shown, state);
    fillImages(panels.images, shown, state);
  }

  function fillCounts(target: DomElement, shown: DashboardCluster[]): void {
    const sum = (pick: (c: DashboardCluster) => number) => shown.reduce((total, c) => total + pick(c), 0);
    const item = (label: string, n: number, id: string) => h("div", {}, h("dt", {}, label), h("dd", { id }, count(n)));
    target.replaceChildren(
      item("Clusters", shown.length, "count-clusters"),
      item("Failing clusters", shown.filter((c) => c.worstSeverity).length, "count-failing"),
      item("High or above", shown.filter((c) => severityRank(c.worstSeverity) <= 1).length, "count-high"),
      item("Failing findings", sum((c) => c.summary.fail), "count-fail"),
      item("Errors", sum((c) => c.summary.error), "count-error"),
      item("Exempt", sum((c) => c.summary.exempt), "count-exempt"),
    );
  }

  function trendPanel(): DomElement {
    const points = model.trend;
    const section = h("section", { class: "panel", "aria-labelledby": "trend-title" }, h("h2", { id: "trend-title" }, "Fleet posture over time"));
    if (points.length === 0) return build(section, {}, [h("p", {}, "No evaluations recorded yet.")]);
    return build(section, {}, [
      h("p", { class: "note" }, "Fleet-wide, from the evaluations table: the filters do not apply to history."),
      h(
        "div",
        { class: "charts" },
        lineChart("Failing findings", points.map((p) => ({ at: p.at, value: p.counts.fail })), "fail"),
        lineChart("Clusters failing at high or above", points.map((p) => ({ at: p.at, value: p.failingClusters })), "failing"),
      ),
      h(
        "details",
        {},
        h("summary", {}, "Show the figures as a table"),
        table(
          "Fleet posture per day",
          ["When", "Clusters", "Failing at high or above", "Failing findings", "Errors", "Exempt"],
          [...points].reverse().map((p) => [when(p.at), count(p.clusters), count(p.failingClusters), count(p.counts.fail), count(p.counts.error), count(p.counts.exempt)]),
          { numeric: [1, 2, 3, 4, 5], rowHeader: true },
        ),
      ),
    ]);
  }

  function lineChart(title: string, points: Array<{ at: string; value: number }>, series: string): DomElement {
    const [width, height, left, right, top, bottom] = [480, 150, 44, 12, 12, 24];
    const values = points.map((p) => p.value);
    const max = Math.max(1, ...values);
    const times = points.map((p) => Date.parse(p.at));
    const first = Math.min(...times);
    const span = Math.max(...times) - first;
    const x = (i: number) => left + (span > 0 ? ((times[i]! - first) / span) * (width - left - right) : (width - left - right) / 2);
    const y = (v: number) => top + (1 - v / max) * (height - top - bottom);
    const coords = points.map((p, i) => `${x(i).toFixed(1)},${y(p.value).toFixed(1)}`);
    const baseline = y(0).toFixed(1);
    const last = points[points.length - 1]!;
    const label =
      `${title}: ${points.length} points from ${when(points[0]!.at)} to ${when(last.at)}; ` +
      `first ${count(points[0]!.value)}, latest ${count(last.value)}, highest ${count(Math.max(...values))}.`;
    return h(
      "figure",
      {},
      h("figcaption", {}, title),
      svg(
        "svg",
        { viewBox: `0 0 ${width} ${height}`, class: "chart", role: "img", "aria-label": label },
        svg("line", { class: "axis", x1: String(left), y1: baseline, x2: String(width - right), y2: baseline }),
        svg("line", { class: "axis", x1: String(left), y1: String(top), x2: String(left), y2: baseline }),
        svg("text", { x: String(left - 6), y: String(top + 4), "text-anchor": "end" }, count(max)),
        svg("text", { x: String(left - 6), y: baseline, "text-anchor": "end" }, "0"),
        svg("text", { x: String(left), y: String(height - 6) }, when(points[0]!.at).slice(0, 10)),
        svg("text", { x: String(width - right), y: String(height - 6), "text-anchor": "end" }, when(last.at).slice(0, 10)),
        svg("polygon", { class: `${series}-area`, points: `${x(0).toFixed(1)},${baseline} ${coords.join(" ")} ${x(points.length - 1).toFixed(1)},${baseline}` }),
        svg("polyline", { class: series, points: coords.join(" ") }),
        svg("circle", { class: series, cx: x(points.length - 1).toFixed(1), cy: y(last.value).toFixed(1), r: "3" }),
      ),
    );
  }

  function fillHeatmap(target: DomElement, shown: DashboardCluster[], state: State): void {
    const rows = shown.slice(0, HEATMAP_ROWS);
    const bucket = (n: number) => (n <= 0 ? 0 : n === 1 ? 1 : n === 2 ? 2 : n <= 4 ? 3 : 4);
    const legend = h(
      "ul",
      { class: "legend", "aria-label": "Heat legend" },
      ...["0", "1", "2", "3 to 4", "5 or more"].map((text, i) => h("li", { class: `heat${i}` }, text)),
    );
    const heading = h("h2", { id: "heatmap-title" }, "Failing findings by category");
    if (rows.length === 0) return target.replaceChildren(heading, h("p", {}, "No cluster matches the filters."));
    const grid = h(
      "table",
      { class: "heatmap", id: "heatmap" },
      h("caption", {}, rows.length < shown.length ? `The ${rows.length} worst of ${count(shown.length)} clusters` : `${count(rows.length)} clusters, worst first`),
      h(
        "thead",
        {},
        h("tr", {}, h("th", { scope: "col" }, "Cluster"), ...model.categories.map((category) => h("th", { scope: "col" }, categoryLabels[category] ?? category))),
      ),
      h(
        "tbody",
        {},
        ...rows.map((cluster) =>
          h(
            "tr",
            {},
            h("th", { scope: "row" }, clusterLink(cluster, state)),
            ...model.categories.map((category) => {
              const n = cluster.failingByCategory[category] ?? 0;
              return h("td", { class: `heat${bucket(n)}` }, String(n));
            }),
          ),
        ),
      ),
    );
    target.replaceChildren(
      heading,
      scroller("Heatmap of failing findings", grid),
      legend,
      ...(rows.length < shown.length ? [h("p", { class: "note" }, `Only the ${rows.length} worst clusters are drawn; the clusters table lists them all.`)] : []),
    );
  }

  function fillTopChecks(target: DomElement, shown: DashboardCluster[]): void {
    const failing = new Map<string, number>();
    for (const cluster of shown) {
      for (const id of new Set(cluster.findings.filter((f) => f.status === "fail" && !f.suppressed).map((f) => f.check))) {
        failing.set(id, (failing.get(id) ?? 0) + 1);
      }
    }
    const top = [...failing.entries()]
      .sort(([a, n], [b, m]) => m - n || severityRank(checks.get(a)?.severity) - severityRank(checks.get(b)?.severity) || a.localeCompare(b))
      .slice(0, TOP_CHECKS);
    const heading = h("h2", { id: "top-checks-title" }, "Checks failing most");
    if (top.length === 0) return target.replaceChildren(heading, h("p", {}, "No check fails on these clusters."));
    target.replaceChildren(
      heading,
      table(
        `Clusters failing each check (top ${top.length} of ${failing.size})`,
        ["Check", "Title", "Severity", "Clusters"],
        top.map(([id, n]) => [id, checks.get(id)?.title ?? "", severityBadge(checks.get(id)?.severity), count(n)]),
        { numeric: [3], rowHeader: true },
      ),
    );
  }

  function fillReboots(target: DomElement, shown: DashboardCluster[], state: State): void {
    const waits = shown
      .flatMap((cluster) => (cluster.nodeHealth?.reboots ?? []).map((reboot) => ({ cluster, ...reboot })))
      .sort((a, b) => Date.parse(a.since) - Date.parse(b.since) || a.node.localeCompare(b.node));
    const heading = h("h2", { id: "reboots-title" }, "Pending reboots");
    if (waits.length === 0) return target.replaceChildren(heading, h("p", {}, "No node is waiting for a reboot."));
    target.replaceChildren(
      heading,
      table(
        waits.length > TOP_HEALTH ? `The ${TOP_HEALTH} longest waits of ${count(waits.length)}` : "Longest waits first",
        ["Cluster", "Node", "Pool", "Waiting since", "Days"],
        waits.slice(0, TOP_HEALTH).map((w) => [clusterLink(w.cluster, state), w.node, w.pool ?? "", when(w.since), count(daysSince(w.since))]),
        { numeric: [4], rowHeader: true },
      ),
    );
  }

  function fillImages(target: DomElement, shown: DashboardCluster[], state: State): void {
    const pools = shown
      .flatMap((cluster) => (cluster.nodeHealth?.pools ?? []).map((pool) => ({ cluster, ...pool })))
      .filter((pool) => (pool.daysBehind ?? 0) > 0)
      .sort((a, b) => (b.daysBehind ?? 0) - (a.daysBehind ?? 0) || a.cluster.name.localeCompare(b.cluster.name) || a.pool.localeCompare(b.pool));
    const heading = h("h2", { id: "images-title" }, "Node image age per pool");
    if (pools.length === 0) return target.replaceChildren(heading, h("p", {}, "Every pool with a known image runs the latest node image."));
    target.replaceChildren(
      heading,
      scroller(
        "Node image age",
        table(
          pools.length > TOP_HEALTH ? `The ${TOP_HEALTH} pools furthest behind, of ${count(pools.length)} behind` : "Pools behind the latest image, furthest first",
          ["Cluster", "Pool", "Image", "Latest", "Days behind", "Nodes"],
          pools.slice(0, TOP_HEALTH).map((p) => [clusterLink(p.cluster, state), p.pool, p.image, p.latest ?? "unknown", p.daysBehind === undefined ? "unknown" : count(p.daysBehind), p.nodes === undefined ? "" : count(p.nodes)]),
          { numeric: [4, 5], rowHeader: true },
        ),
      ),
    );
  }

  function fillClusters(target: DomElement, shown: DashboardCluster[], state: State): void {
    const column = COLUMNS.find((c) => c.key === state.sort);
    const sorted = column ? [...shown].sort((a, b) => (state.dir === "desc" ? -1 : 1) * column.compare(a, b)) : shown;
    const pages = Math.max(1, Math.ceil(sorted.length / PAGE_SIZE));
    const page = Math.min(state.page, pages);
    const rows = sorted.slice((page - 1) * PAGE_SIZE, page * PAGE_SIZE);
    const heading = h("h2", { id: "clusters-title" }, "Clusters");
    if (rows.length === 0) return target.replaceChildren(heading, h("p", { class: "empty", id: "no-match" }, "No cluster matches the filters."));

    const headerCell = (c: Column) => {
      const sortedHere = c.key === state.sort;
      const button = h("button", { type: "button", class: "sort", id: `sort-${c.key}` }, c.label);
      button.addEventListener("click", () => {
        const dir = sortedHere ? (state.dir === "asc" ? "desc" : "asc") : c.firstDir;
        apply({ ...state, sort: c.key, dir, page: 1 }, `sort-${c.key}`);
      });
      return h("th", { scope: "col", class: c.numeric ? "num" : undefined, "aria-sort": sortedHere ? (state.dir === "asc" ? "ascending" : "descending") : undefined }, button);
    };
    const body = rows.map((cluster) => {
      const link = clusterLink(cluster, state);
      clusterLinks.set(cluster.id, link);
      return h(
        "tr",
        {},
        h("th", { scope: "row" }, link),
        h("td", {}, cluster.subscriptionId),
        h("td", {}, cluster.resourceGroup),
        h("td", {}, cluster.location ?? ""),
        h("td", {}, cluster.kubernetesVersion ?? ""),
        h("td", { class: "num" }, count(cluster.summary.fail)),
        h("td", { class: "num" }, count(cluster.summary.error)),
        h("td", {}, severityBadge(cluster.worstSeverity)),
        h("td", {}, when(cluster.lastEvaluatedAt)),
      );
    });
    const pageButton = (id: string, label: string, to: number) => {
      const button = h("button", { type: "button", id }, label) as DomControl;
      button.disabled = to < 1 || to > pages;
      button.addEventListener("click", () => apply({ ...state, page: to }, to <= 1 ? "page-next" : to >= pages ? "page-prev" : id));
      return button;
    };
    target.replaceChildren(
      heading,
      scroller(
        "Clusters table",
        h(
          "table",
          { id: "clusters-table" },
          h("caption", {}, `${count(sorted.length)} clusters, ${column ? `sorted by ${column.label.toLowerCase()}` : "worst first"}`),
          h("thead", {}, h("tr", {}, ...COLUMNS.map(headerCell))),
          h("tbody", {}, ...body),
        ),
      ),
      h(
        "div",
        { class: "pager", role: "group", "aria-label": "Clusters table pages" },
        pageButton("page-prev", "Previous page", page - 1),
        h("span", { id: "page-status", "aria-live": "polite" }, `Page ${page} of ${pages}`),
        pageButton("page-next", "Next page", page + 1),
      ),
    );
  }

  // --- one cluster
  function showCluster(id: string, state: State): void {
    panels = undefined;
    const cluster = clustersById.get(id);
    nav.replaceChildren(h("a", { href: overviewHref(state), id: "back-link" }, "Back to the fleet overview"));
    if (!cluster) {
      doc.title = "Cluster not found · aksmon";
      const heading = h("h2", { tabindex: "-1" }, "Cluster not found");
      main.replaceChildren(heading, h("p", {}, "This report holds no cluster with the id "), h("pre", {}, id));
      heading.focus();
      return;
    }
    doc.title = `${cluster.name} · AKS fleet posture`;
    const heading = h("h2", { tabindex: "-1", id: "cluster-title" }, cluster.name);
    const fact = (label: string, text: Child, wide = false) => h("div", { class: wide ? "wide" : undefined }, h("dt", {}, label), h("dd", {}, text));
    const tags = Object.entries(cluster.tags);
    main.replaceChildren(
      heading,
      h(
        "section",
        { class: "panel", "aria-label": "Cluster facts" },
        h(
          "dl",
          { class: "facts" },
          fact("Subscription", cluster.subscriptionId),
          fact("Resource group", cluster.resourceGroup),
          fact("Resource id", cluster.id, true),
          fact("Location", cluster.location ?? "unknown"),
          fact("Kubernetes version", cluster.kubernetesVersion ?? "unknown"),
          fact("Last evaluated", `${when(cluster.lastEvaluatedAt)} (${TRIGGER_LABELS[cluster.lastTrigger] ?? cluster.lastTrigger})`),
          cluster.lastEventAt ? fact("Last change event", when(cluster.lastEventAt)) : null,
          fact("Worst failing severity", severityBadge(cluster.worstSeverity)),
          fact("Tags", tags.length ? h("ul", { class: "tags", id: "cluster-tags" }, ...tags.map(([k, v]) => h("li", {}, `${k}=${v}`))) : "none", true),
        ),
        h(
          "dl",
          { class: "counts", "aria-label": "Summary" },
          ...(
            [
              ["Fail", cluster.summary.fail],
              ["Error", cluster.summary.error],
              ["Pass", cluster.summary.pass],
              ["Not applicable", cluster.summary.notApplicable],
              ["Exempt", cluster.summary.exempt],
            ] as Array<[string, number]>
          ).map(([label, n]) => h("div", {}, h("dt", {}, label), h("dd", {}, count(n)))),
        ),
      ),
      findingsPanel(cluster),
      historyPanel(cluster.history),
      suppressionsPanel(cluster),
      ...auditPanel(cluster),
      nodeHealthPanel(cluster),
    );
    heading.focus();
  }

  /** "Snoozed until <when> by <by>: <reason>", or "Exempt (accepted risk) by <by>[ until <when>]: <reason>". */
  function suppression(s: NonNullable<DashboardFinding["suppressed"]>): { short: string; long: string } {
    const until = s.until ? ` until ${when(s.until)}` : "";
    if (s.kind === "exemption") return { short: `Exempt (accepted risk)${until}`, long: `Exempt (accepted risk) by ${s.by}${until}: ${s.reason}` };
    return { short: `Snoozed${until}`, long: `Snoozed${until} by ${s.by}: ${s.reason}` };
  }

  function findingsPanel(cluster: DashboardCluster): DomElement {
    const statusRank = (f: DashboardFinding) => (f.status === "fail" ? 0 : f.status === "error" || f.lastStatus === "error" ? 1 : 2);
    const findings = [...cluster.findings].sort(
      (a, b) => Number(!!a.suppressed) - Number(!!b.suppressed) || statusRank(a) - statusRank(b) || severityRank(a.severity) - severityRank(b.severity) || a.check.localeCompare(b.check),
    );
    const section = h("section", { class: "panel", "aria-labelledby": "findings-title" }, h("h3", { id: "findings-title" }, "Findings"));
    if (findings.length === 0) return build(section, {}, [h("p", {}, "Nothing fails, errs or is suppressed on this cluster.")]);
    const headers = ["Check", "Title", "Severity", "Status", "Message", "First seen", "Suppressed"];
    const rows = findings.flatMap((f) => {
      const status = f.lastStatus === "error" && f.status !== "error" ? `${STATUS_LABELS[f.status]} (last read: error)` : (STATUS_LABELS[f.status] ?? f.status);
      const evidence = f.evidence.length
        ? table(
            "Evidence",
            ["Path", "Value", "Expected"],
            f.evidence.map((e) => [e.path, value(e.value), e.expected ?? ""]),
            { rowHeader: true },
          )
        : h("p", {}, "No evidence recorded.");
      return [
        h(
          "tr",
          {},
          h("th", { scope: "row" }, f.check),
          h("td", {}, checks.get(f.check)?.title ?? ""),
          h("td", {}, severityBadge(f.severity)),
          h("td", { class: `st-${f.status}` }, status),
          h("td", {}, f.message),
          h("td", {}, when(f.firstSeen)),
          h("td", {}, f.suppressed ? h("span", { class: "badge" }, suppression(f.suppressed).short) : ""),
        ),
        h(
          "tr",
          { class: "detail" },
          h(
            "td",
            { colspan: String(headers.length) },
            h(
              "details",
              {},
              h("summary", {}, `Evidence and remediation for ${f.check}`),
              evidence,
              f.lastError ? h("p", {}, `Last error: ${f.lastError}`) : null,
              f.suppressed ? h("p", {}, suppression(f.suppressed).long) : null,
              f.remediation ? h("p", {}, h("strong", {}, "Remediation")) : null,
              f.remediation ? h("pre", { class: "remediation" }, h("code", {}, f.remediation)) : h("p", {}, "No remediation command: see the check's documentation."),
            ),
          ),
        ),
      ];
    });
    return build(section, {}, [
      scroller(
        "Findings",
        h(
          "table",
          { id: "findings-table" },
          h("caption", {}, `${findings.length} findings that fail, err or are suppressed`),
          h("thead", {}, h("tr", {}, ...headers.map((label) => h("th", { scope: "col" }, label)))),
          h("tbody", {}, ...rows),
        ),
      ),
    ]);
  }

  function changeText(change: HistoryEntry["changes"][number]): string {
    const check = checks.get(change.check);
    const label = `${CHANGE_LABELS[change.kind] ?? change.kind}: ${change.check}`;
    return check ? `${label} (${check.severity}) ${check.title}` : label;
  }

  function historyPanel(history: HistoryEntry[]): DomElement {
    const section = h("section", { class: "panel", "aria-labelledby": "history-title" }, h("h3", { id: "history-title" }, "Change history"));
    if (history.length === 0) return build(section, {}, [h("p", {}, "No evaluation of this cluster changed anything yet.")]);
    const changes = (entry: HistoryEntry) =>
      entry.changes.length === 0
        ? "No finding changed"
        : h(
            "ul",
            { class: "plain" },
            ...entry.changes.map((change) =>
              h(
                "li",
                {},
                changeText(change),
                change.settings.length
                  ? h("ul", { class: "plain" }, ...change.settings.map((s) => h("li", {}, h("code", {}, `${s.path}: ${value(s.before)} → ${value(s.after)}`))))
                  : null,
              ),
            ),
          );
    const who = (entry: HistoryEntry) =>
      entry.actor ? h("span", {}, entry.actor.name, entry.actor.operation ? h("br") : null, entry.actor.operation ?? "") : "unknown";
    return build(section, {}, [
      scroller(
        "Change history",
        table(
          "Evaluations that changed something, newest first",
          ["When", "Trigger", "Who", "What changed"],
          history.map((entry) => [when(entry.at), TRIGGER_LABELS[entry.trigger] ?? entry.trigger, who(entry), changes(entry)]),
          { rowHeader: true },
        ),
      ),
    ]);
  }

  function suppressionsPanel(cluster: DashboardCluster): DomElement {
    const section = h("section", { class: "panel", "aria-labelledby": "suppressions-title" }, h("h3", { id: "suppressions-title" }, "Suppressions"));
    if (cluster.suppressions.length === 0) return build(section, {}, [h("p", {}, "No active suppression.")]);
    return build(section, {}, [
      table(
        "Active snoozes and accepted risks",
        ["Check", "Until", "By", "Reason", "Since"],
        cluster.suppressions.map((s) => [s.check, when(s.until), s.by, s.reason, when(s.createdAt)]),
        { rowHeader: true },
      ),
    ]);
  }

  /** The outbox: alerts not delivered yet (and since when) and given up on; nothing when the model has no counts. */
  function deliveryPanel(): DomElement[] {
    const delivery = model.delivery;
    if (!delivery) return [];
    const section = h("section", { class: "panel", "aria-labelledby": "delivery-title", id: "alert-delivery" }, h("h3", { id: "delivery-title" }, "Alert delivery"));
    if (delivery.pending === 0 && delivery.dead === 0) return [build(section, {}, [h("p", {}, "Every alert was delivered.")])];
    const oldest = delivery.oldestPendingAt ? `, the oldest since ${when(delivery.oldestPendingAt)} (${ageOf(delivery.oldestPendingAt)})` : "";
    return [
      build(section, {}, [
        h(
          "dl",
          { class: "counts", "aria-label": "Undelivered alerts" },
          h("div", {}, h("dt", {}, "Undelivered"), h("dd", { id: "outbox-pending" }, count(delivery.pending))),
          h("div", {}, h("dt", {}, "Dead"), h("dd", { id: "outbox-dead" }, count(delivery.dead))),
        ),
        h(
          "p",
          { id: "outbox-note" },
          `${count(delivery.pending)} alert(s) not delivered yet${oldest}; ${count(delivery.dead)} given up on. List them with aksmon outbox; re-queue the dead with aksmon outbox --redrive.`,
        ),
      ]),
    ];
  }

  function ageOf(iso: string): string {
    const minutes = Math.max(0, Math.floor((generatedMs - Date.parse(iso)) / 60_000));
    if (minutes < 60) return `${minutes} min old`;
    if (minutes < 48 * 60) return `${Math.floor(minutes / 60)} h old`;
    return `${Math.floor(minutes / 1_440)} days old`;
  }

  const AUDIT_LABELS: Record<string, string> = {
    snooze: "Snoozed",
    unsnooze: "Unsnoozed",
    exemptionAdded: "Exemption added",
    exemptionRemoved: "Exemption removed",
    recheck: "Recheck",
  };

  /** Who snoozed, unsnoozed, exempted or rechecked this cluster, newest first; nothing when the model has no trail. */
  function auditPanel(cluster: DashboardCluster): DomElement[] {
    if (!cluster.audit) return [];
    const section = h("section", { class: "panel", "aria-labelledby": "audit-title" }, h("h3", { id: "audit-title" }, "Audit trail"));
    if (cluster.audit.length === 0) return [build(section, {}, [h("p", {}, "No snooze, exemption change or recheck was recorded for this cluster.")])];
    return [
      build(section, {}, [
        table(
          "Snoozes, exemption changes and rechecks, newest first",
          ["When", "Action", "Check", "By", "Via", "Until", "Reason"],
          cluster.audit.map((a) => [when(a.at), AUDIT_LABELS[a.action] ?? a.action, a.check ?? "", a.actor, a.via, a.until ? when(a.until) : "", a.reason ?? ""]),
        ),
      ]),
    ];
  }

  function nodeHealthPanel(cluster: DashboardCluster): DomElement {
    const section = h("section", { class: "panel", "aria-labelledby": "node-health-title" }, h("h3", { id: "node-health-title" }, "Node health"));
    const health = cluster.nodeHealth;
    if (!health) return build(section, {}, [h("p", {}, "No node health was read for this cluster.")]);
    return build(section, {}, [
      health.reboots.length
        ? table(
            "Nodes waiting for a reboot, longest first",
            ["Node", "Pool", "Waiting since", "Days"],
            health.reboots.map((r) => [r.node, r.pool ?? "", when(r.since), count(daysSince(r.since))]),
            { numeric: [3], rowHeader: true },
          )
        : h("p", {}, "No node is waiting for a reboot."),
      health.pools.length
        ? table(
            "Node image per pool, furthest behind first",
            ["Pool", "Image", "Latest", "Days behind", "Nodes"],
            health.pools.map((p) => [p.pool, p.image, p.latest ?? "unknown", p.daysBehind === undefined ? "unknown" : count(p.daysBehind), p.nodes === undefined ? "" : count(p.nodes)]),
            { numeric: [3, 4], rowHeader: true },
          )
        : h("p", {}, "No pool reports its node image."),
    ]);
  }

  let shownCluster: string | undefined;
  function render(): void {
    const { clusterId, state } = route();
    const previous = shownCluster;
    shownCluster = clusterId;
    if (clusterId !== undefined) showCluster(clusterId, state);
    else showOverview(state, previous);
  }

  // --- the embedded data: base64 of gzipped JSON, inflated by the browser itself.
  async function decode(): Promise<DashboardModel> {
    const element = doc.getElementById("aksmon-data");
    if (!element) throw new Error("the page holds no fleet data");
    const encoding = element.getAttribute("data-encoding");
    if (encoding !== "gzip-base64") throw new Error(`unknown data encoding ${JSON.stringify(encoding)}`);
    if (typeof win.DecompressionStream !== "function") throw new Error("this browser cannot decompress data (no DecompressionStream): open the dashboard in a current browser");
    let binary: string;
    try {
      binary = win.atob(element.textContent ?? "");
    } catch {
      throw new Error("the data is not valid base64");
    }
    const bytes = new Uint8Array(binary.length);
    for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
    let json: string;
    try {
      json = await new win.Response(new win.Blob([bytes]).stream().pipeThrough(new win.DecompressionStream("gzip"))).text();
    } catch {
      throw new Error("the data is not valid gzip (truncated or damaged)");
    }
    const data = unpack(JSON.parse(json) as PackedDashboard);
    if (!Array.isArray(data.checks) || !Array.isArray(data.categories) || !Array.isArray(data.trend)) throw new Error("the data is not a fleet dashboard model");
    return data;
  }

  function start(loaded: DashboardModel): void {
    model = loaded;
    checks = new Map(model.checks.map((check) => [check.id, check]));
    clustersById = new Map(model.clusters.map((cluster) => [cluster.id, cluster]));
    subscriptions = [...new Set(model.clusters.map((cluster) => cluster.subscriptionId))].sort();
    generatedMs = Date.parse(model.generatedAt);
    win.addEventListener("hashchange", render);
    render();
  }

  function fail(error: unknown): void {
    doc.title = "Dashboard not loaded · aksmon";
    main.replaceChildren(
      h("h2", { id: "load-error" }, "The dashboard could not be loaded"),
      h(
        "p",
        { role: "alert" },
        `The fleet data embedded in this page could not be decoded: ${error instanceof Error ? error.message : String(error)}. ` +
          "The file may be truncated or damaged: generate the report again (aksmon report --html) or reload the page.",
      ),
    );
  }

  main.replaceChildren(h("p", { class: "loading", role: "status", id: "loading" }, "Loading the fleet data…"));
  decode().then(start, fail);
}
