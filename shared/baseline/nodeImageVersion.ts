/**
 * AKS node image versions, as ARM (`agentPoolProfiles[*].nodeImageVersion`, `latestNodeImageVersion`) and
 * the node label `kubernetes.azure.com/node-image-version` spell them:
 * - `AKSUbuntu-2204gen2containerd-202405.27.0`: SKU, then the release date YYYYMM.DD and a same-day release number;
 * - `AKSUbuntu-1804gen2-2021.06.12` (older labels) and `AKSUbuntu:1604:2020.03.11` (older ARM): a YYYY.MM.DD date;
 * - `AKSWindows-2022-containerd-20348.1787.230614`: the Windows build and revision, then the image date YYMMDD.
 */

export interface NodeImageVersion {
  raw: string;
  /** The image SKU, with the ARM `:` separators normalised to the label's `-`: `AKSUbuntu-1604`. */
  sku: string;
  os: "linux" | "windows";
  /** The image's release date, UTC midnight. */
  date: Date;
  /** Linux: the same-day release number (the trailing `.0`). Windows: the OS build revision (`1787`). */
  revision: number;
  /** Windows only: the OS build, e.g. `20348`. */
  windowsBuild?: number;
}

const DAY_MS = 86_400_000;

export function parseNodeImageVersion(text: string | undefined): NodeImageVersion | undefined {
  const raw = text?.trim() ?? "";
  if (raw === "") return undefined;
  const windows = /^(.*windows.*)-(\d{4,6})\.(\d+)\.(\d{2})(\d{2})(\d{2})$/i.exec(raw);
  if (windows) {
    const [, sku = "", build = "", revision = "", yy = "", mm = "", dd = ""] = windows;
    const date = utcDate(2000 + Number(yy), Number(mm), Number(dd));
    if (!date) return undefined;
    return { raw, sku: normaliseSku(sku), os: "windows", date, revision: Number(revision), windowsBuild: Number(build) };
  }
  const current = /^(.+)-(\d{4})(\d{2})\.(\d{2})\.(\d+)$/.exec(raw);
  if (current) {
    const [, sku = "", yyyy = "", mm = "", dd = "", release = ""] = current;
    const date = utcDate(Number(yyyy), Number(mm), Number(dd));
    if (!date) return undefined;
    return { raw, sku: normaliseSku(sku), os: osOf(sku), date, revision: Number(release) };
  }
  const dotted = /^(.+)[-:](\d{4})\.(\d{2})\.(\d{2})$/.exec(raw);
  if (dotted) {
    const [, sku = "", yyyy = "", mm = "", dd = ""] = dotted;
    const date = utcDate(Number(yyyy), Number(mm), Number(dd));
    if (!date) return undefined;
    return { raw, sku: normaliseSku(sku), os: osOf(sku), date, revision: 0 };
  }
  return undefined;
}

/** Two spellings of the same image (`AKSUbuntu:1604:2020.03.11` and `AKSUbuntu-1604-2020.03.11`) are equal. */
export function sameNodeImage(a: string | undefined, b: string | undefined): boolean {
  if (a === undefined || b === undefined) return false;
  return normaliseSku(a.trim()).toLowerCase() === normaliseSku(b.trim()).toLowerCase();
}

export interface NodeImageLag {
  /** Whole days from the current image's release date to the latest one's; 0 when current is as new or newer. */
  daysBehind: number;
  /** Known only when both are releases of the same day (hotfix re-releases); undefined otherwise. */
  releasesBehind?: number;
  /** The SKUs differ (for example after an OS SKU change): the dates are still compared. */
  skuChanged: boolean;
}

export function nodeImageLag(current: NodeImageVersion, latest: NodeImageVersion): NodeImageLag {
  const days = Math.round((latest.date.getTime() - current.date.getTime()) / DAY_MS);
  const skuChanged = current.sku.toLowerCase() !== latest.sku.toLowerCase();
  const lag: NodeImageLag = { daysBehind: Math.max(0, days), skuChanged };
  if (days === 0 && !skuChanged) lag.releasesBehind = Math.max(0, latest.revision - current.revision);
  return lag;
}

/** Whole days from the image's release date to `now`. */
export function nodeImageAgeDays(version: NodeImageVersion, now: Date): number {
  return Math.max(0, Math.floor((now.getTime() - version.date.getTime()) / DAY_MS));
}

/** `2024-05-27` */
export function imageDateText(version: NodeImageVersion): string {
  return version.date.toISOString().slice(0, 10);
}

function normaliseSku(sku: string): string {
  return sku.replaceAll(":", "-");
}

function osOf(sku: string): "linux" | "windows" {
  return /windows/i.test(sku) ? "windows" : "linux";
}

function utcDate(year: number, month: number, day: number): Date | undefined {
  if (month < 1 || month > 12 || day < 1 || day > 31) return undefined;
  const date = new Date(Date.UTC(year, month - 1, day));
  return date.getUTCMonth() === month - 1 && date.getUTCDate() === day ? date : undefined;
}
