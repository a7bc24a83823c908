import { describe, expect, it } from "vitest";
import {
  imageDateText,
  nodeImageAgeDays,
  nodeImageLag,
  parseNodeImageVersion,
  sameNodeImage,
} from "../shared/baseline/nodeImageVersion.js";

function parsed(text: string) {
  const version = parseNodeImageVersion(text);
  if (!version) throw new Error(`not parsed: ${text}`);
  return version;
}

describe("node image versions", () => {
  it("parses the current ARM and label form SKU-YYYYMM.DD.N", () => {
    const version = parsed("AKSUbuntu-2204gen2containerd-202405.27.0");
    expect(version.sku).toBe("AKSUbuntu-2204gen2containerd");
    expect(version.os).toBe("linux");
    expect(imageDateText(version)).toBe("2024-05-27");
    expect(version.revision).toBe(0);
    expect(imageDateText(parsed("AKSAzureLinux-V3gen2-202611.10.1"))).toBe("2026-11-10");
  });

  it("parses the older dotted label form and the older ARM form with colons", () => {
    const label = parsed("AKSUbuntu-1804gen2containerd-2021.05.19");
    expect(label.sku).toBe("AKSUbuntu-1804gen2containerd");
    expect(imageDateText(label)).toBe("2021-05-19");
    const arm = parsed("AKSUbuntu:1604:2020.03.11");
    expect(arm.sku).toBe("AKSUbuntu-1604");
    expect(imageDateText(arm)).toBe("2020-03-11");
  });

  it("parses Windows images: build, revision and the YYMMDD date at the end", () => {
    const windows = parsed("AKSWindows-2022-containerd-20348.1787.230614");
    expect(windows.os).toBe("windows");
    expect(windows.sku).toBe("AKSWindows-2022-containerd");
    expect(windows.windowsBuild).toBe(20348);
    expect(windows.revision).toBe(1787);
    expect(imageDateText(windows)).toBe("2023-06-14");
  });

  it("rejects text that is not a node image version, and impossible dates", () => {
    expect(parseNodeImageVersion(undefined)).toBeUndefined();
    expect(parseNodeImageVersion("")).toBeUndefined();
    expect(parseNodeImageVersion("custom-image-v7")).toBeUndefined();
    expect(parseNodeImageVersion("AKSUbuntu-2204gen2containerd-202413.01.0")).toBeUndefined();
    expect(parseNodeImageVersion("AKSUbuntu-2204gen2containerd-202402.30.0")).toBeUndefined();
  });

  it("measures the lag in days, and in releases only between same-day releases", () => {
    const lag = nodeImageLag(
      parsed("AKSUbuntu-2204gen2containerd-202405.27.0"),
      parsed("AKSUbuntu-2204gen2containerd-202407.01.0"),
    );
    expect(lag).toEqual({ daysBehind: 35, skuChanged: false });
    const hotfix = nodeImageLag(
      parsed("AKSUbuntu-2204gen2containerd-202405.27.0"),
      parsed("AKSUbuntu-2204gen2containerd-202405.27.2"),
    );
    expect(hotfix).toEqual({ daysBehind: 0, releasesBehind: 2, skuChanged: false });
    const newer = nodeImageLag(parsed("AKSUbuntu-2204gen2containerd-202407.01.0"), parsed("AKSUbuntu-2204gen2containerd-202405.27.0"));
    expect(newer.daysBehind).toBe(0);
    expect(nodeImageLag(parsed("AKSUbuntu:1604:2020.03.11"), parsed("AKSUbuntu-1804gen2-2020.03.11")).skuChanged).toBe(true);
  });

  it("compares the ARM and label spellings of one image as equal", () => {
    expect(sameNodeImage("AKSUbuntu:1604:2020.03.11", "aksubuntu-1604-2020.03.11")).toBe(true);
    expect(sameNodeImage("AKSUbuntu-1604-2020.03.11", "AKSUbuntu-1604-2020.03.12")).toBe(false);
    expect(sameNodeImage(undefined, "x")).toBe(false);
  });

  it("gives an image's age in whole days from its release date", () => {
    expect(nodeImageAgeDays(parsed("AKSWindows-2022-containerd-20348.2966.261014"), new Date("2026-11-26T12:00:00Z"))).toBe(43);
  });
});
