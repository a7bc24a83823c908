import { describe, expect, it } from "vitest";
import { readSettings } from "../shared/config/settings.js";

describe("settings", () => {
  it("applies the documented defaults", () => {
    const settings = readSettings({});
    expect(settings.AZURE_RESOURCE_MANAGER_ENDPOINT).toBe("https://management.azure.com");
    expect(settings.AKSMON_HOME).toBe(".aksmon");
    expect(settings.MONITOR_SUBSCRIPTIONS).toEqual([]);
  });

  it("splits MONITOR_SUBSCRIPTIONS and rejects anything but subscription ids, naming the setting", () => {
    const ids = "6e3a1b2c-0d4f-4a5b-9c8d-7e6f5a4b3c2d, 9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d";
    expect(readSettings({ MONITOR_SUBSCRIPTIONS: ids }).MONITOR_SUBSCRIPTIONS).toHaveLength(2);
    expect(() => readSettings({ MONITOR_SUBSCRIPTIONS: "prod" })).toThrow(/^Setting MONITOR_SUBSCRIPTIONS is invalid/);
  });

  it("accepts only https endpoints and webhooks", () => {
    expect(() => readSettings({ AZURE_RESOURCE_MANAGER_ENDPOINT: "http://127.0.0.1:8443" })).toThrow(/AZURE_RESOURCE_MANAGER_ENDPOINT/);
    expect(() => readSettings({ TEAMS_WEBHOOK_URL: "not a url" })).toThrow(/TEAMS_WEBHOOK_URL/);
    expect(readSettings({ TEAMS_WEBHOOK_URL: "https://prod-00.westeurope.logic.azure.com/workflows/x" }).TEAMS_WEBHOOK_URL).toMatch(/^https:/);
  });
});
