/**
 * The dashboard's stylesheet, inlined into the page (and hashed for its Content-Security-Policy).
 * Colours meet WCAG AA against their backgrounds; severity and heat colours always come with a text label or a number.
 */
export const DASHBOARD_CSS = `
:root { color-scheme: light; --ink: #1b1f24; --muted: #4f5863; --line: #d0d7de; --link: #0b57d0; --panel: #ffffff; --page: #f3f5f8; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--ink); background: var(--page); }
header.top { background: #14243a; color: #ffffff; padding: 12px 24px; }
header.top h1 { margin: 0; font-size: 1.35rem; }
header.top p { margin: 4px 0 0; color: #dbe4ef; }
nav.crumbs { padding: 8px 24px; background: #e6ebf1; border-bottom: 1px solid var(--line); }
nav.crumbs a { margin-right: 16px; }
main { padding: 16px 24px 48px; max-width: 1400px; }
a { color: var(--link); }
a:focus-visible, button:focus-visible, select:focus-visible, input:focus-visible, summary:focus-visible, [tabindex]:focus-visible {
  outline: 3px solid var(--link); outline-offset: 2px; }
h2 { font-size: 1.15rem; margin: 0 0 8px; }
h3 { font-size: 1rem; margin: 0 0 8px; }
h2:focus, h2:focus-visible { outline: none; }
section.panel { background: var(--panel); border: 1px solid var(--line); border-radius: 6px; padding: 12px 16px; margin: 0 0 16px; }
.grid { display: grid; grid-template-columns: repeat(auto-fit, minmax(420px, 1fr)); gap: 16px; }
.grid > section.panel { margin: 0; }
.grid + section.panel, section.panel + .grid { margin-top: 16px; }
form.filters { display: flex; flex-wrap: wrap; gap: 12px 20px; align-items: flex-end; background: var(--panel); border: 1px solid var(--line); border-radius: 6px; padding: 12px 16px; margin: 0 0 16px; }
.field { display: flex; flex-direction: column; gap: 4px; }
.field label { font-weight: 600; }
select, input, button { font: inherit; color: var(--ink); }
select, input { min-width: 12rem; padding: 5px 8px; border: 1px solid #6e7781; border-radius: 4px; background: #ffffff; }
button { padding: 5px 12px; border: 1px solid #6e7781; border-radius: 4px; background: #f6f8fa; cursor: pointer; }
button:disabled { color: #57606a; background: #eaeef2; cursor: default; }
.status { margin: 0 0 12px; font-weight: 600; }
dl.counts { display: flex; flex-wrap: wrap; gap: 8px 28px; margin: 0; }
dl.counts div { display: flex; flex-direction: column; }
dl.counts dt { color: var(--muted); }
dl.counts dd { margin: 0; font-size: 1.3rem; font-weight: 700; }
dl.facts { display: grid; grid-template-columns: repeat(auto-fill, minmax(240px, 1fr)); gap: 10px 24px; margin: 0 0 14px; }
dl.facts .wide { grid-column: 1 / -1; }
dl.facts dt { color: var(--muted); font-weight: 600; }
dl.facts dd { margin: 0; overflow-wrap: anywhere; }
.scroll { overflow-x: auto; }
table { border-collapse: collapse; width: 100%; }
caption { text-align: left; font-weight: 600; padding: 0 0 6px; color: var(--muted); }
th, td { text-align: left; padding: 5px 8px; border-bottom: 1px solid var(--line); vertical-align: top; overflow-wrap: break-word; }
table + table { margin-top: 14px; }
thead th { background: #eef1f5; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
th button.sort { border: 0; background: none; padding: 0; font-weight: 700; text-align: left; }
/* The arrows are decoration ("/ ''": no alternative text): aria-sort tells assistive technology the order. */
th button.sort::after { content: " \\2195" / ""; color: var(--muted); }
th[aria-sort="ascending"] button.sort::after { content: " \\2191" / ""; color: var(--ink); }
th[aria-sort="descending"] button.sort::after { content: " \\2193" / ""; color: var(--ink); }
.pager { display: flex; gap: 12px; align-items: center; margin-top: 10px; }
.sev { display: inline-block; padding: 0 6px; border-radius: 3px; font-weight: 600; font-size: 0.85rem; white-space: nowrap; }
.sev-critical { background: #7a0c0c; color: #ffffff; }
.sev-high { background: #b3261e; color: #ffffff; }
.sev-medium { background: #ffd8a8; color: #4a2600; }
.sev-low { background: #dbe9ff; color: #0b3a75; }
.sev-info { background: #e6e9ed; color: #2f3640; }
.sev-none { background: #dff3e4; color: #14532d; }
.badge { display: inline-block; padding: 0 6px; border-radius: 3px; background: #ede7f6; color: #3b2273; font-size: 0.85rem; font-weight: 600; }
.st-fail { color: #a0191a; font-weight: 700; }
.st-error { color: #7a4a00; font-weight: 700; }
table.heatmap th[scope="col"] { font-size: 0.8rem; vertical-align: bottom; }
table.heatmap td { text-align: center; font-weight: 600; font-variant-numeric: tabular-nums; }
.heat0 { background: #f6f8fa; color: #57606a; }
.heat1 { background: #fff1c2; color: #3d2e00; }
.heat2 { background: #ffd49a; color: #4a2600; }
.heat3 { background: #f59a6b; color: #2b0d00; }
.heat4 { background: #9f1d17; color: #ffffff; }
.legend { display: flex; flex-wrap: wrap; gap: 6px; margin: 8px 0 0; padding: 0; list-style: none; }
.legend li { padding: 1px 8px; border-radius: 3px; font-size: 0.85rem; }
.note { color: var(--muted); margin: 6px 0 0; }
.empty { font-size: 1.05rem; padding: 12px 0; }
.charts { display: flex; flex-wrap: wrap; gap: 16px; }
.charts figure { flex: 1 1 420px; max-width: 640px; }
.chart { width: 100%; height: auto; }
.chart text { fill: #1b1f24; font-size: 11px; }
.chart .axis { stroke: #57606a; stroke-width: 1; }
.chart .fail { fill: none; stroke: #b3261e; stroke-width: 2; }
.chart .fail-area { fill: #b3261e; fill-opacity: 0.12; stroke: none; }
.chart .failing { fill: none; stroke: #0b57d0; stroke-width: 2; }
.chart .failing-area { fill: #0b57d0; fill-opacity: 0.12; stroke: none; }
figure { margin: 0; }
figcaption { font-weight: 600; margin-bottom: 4px; }
details { margin: 2px 0; }
summary { cursor: pointer; color: var(--link); }
tr.detail > td { background: #fafbfc; }
pre { margin: 4px 0 8px; padding: 8px; background: #f6f8fa; border: 1px solid var(--line); border-radius: 4px; white-space: pre-wrap; overflow-wrap: anywhere; }
ul.plain { margin: 0; padding-left: 18px; }
.tags { display: flex; flex-wrap: wrap; gap: 6px; margin: 0; padding: 0; list-style: none; }
.tags li { background: #eef1f5; border: 1px solid var(--line); border-radius: 3px; padding: 0 6px; overflow-wrap: anywhere; }
`;
