import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { settingsSchema } from "../shared/config/settings.js";

/*
 * The Bicep in infra/ cannot be compiled here (no bicep CLI, no network), so this test reads it as
 * text: comments stripped, strings respected, blocks matched by their braces. It proves what the
 * deployment promises: every setting the code reads is set (or is a documented exception), no role
 * beyond the least-privilege list is granted, no secret is hard-coded, every module exists and gets
 * its required parameters, and azd knows the function project.
 */

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const infra = join(root, "infra");

function bicepFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return bicepFiles(path);
    return entry.name.endsWith(".bicep") ? [path] : [];
  });
}

/** Removes `//` and `/* *\/` comments outside single-quoted Bicep strings (which may hold `//`, as URLs do). */
function stripComments(text: string): string {
  let out = "";
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (inString) {
      out += c;
      if (c === "\\") out += text[++i] ?? "";
      else if (c === "'") inString = false;
      continue;
    }
    if (c === "'") {
      inString = true;
      out += c;
    } else if (c === "/" && text[i + 1] === "/") {
      while (i < text.length && text[i] !== "\n") i++;
      out += "\n";
    } else if (c === "/" && text[i + 1] === "*") {
      const end = text.indexOf("*/", i + 2);
      i = end < 0 ? text.length : end + 1;
    } else {
      out += c;
    }
  }
  return out;
}

/** The text from the bracket at `open` to its matching closing bracket, inclusive (strings skipped). */
function balanced(text: string, open: number): string {
  const pairs: Record<string, string> = { "{": "}", "(": ")", "[": "]" };
  const first = text[open]!;
  const close = pairs[first];
  if (!close) throw new Error(`no bracket at ${open}: ${text.slice(open, open + 20)}`);
  let depth = 0;
  let inString = false;
  for (let i = open; i < text.length; i++) {
    const c = text[i]!;
    if (inString) {
      if (c === "\\") i++;
      else if (c === "'") inString = false;
      continue;
    }
    if (c === "'") inString = true;
    else if (c === first) depth++;
    else if (c === close && --depth === 0) return text.slice(open, i + 1);
  }
  throw new Error(`unbalanced ${first} at ${open}`);
}

/** Keys of the object literal `block` (`{ ... }`) at its top level only. */
function topLevelKeys(block: string): string[] {
  const keys: string[] = [];
  let depth = 0;
  let inString = false;
  let lineStart = true;
  for (let i = 0; i < block.length; i++) {
    const c = block[i]!;
    if (inString) {
      if (c === "\\") i++;
      else if (c === "'") inString = false;
      continue;
    }
    if (lineStart && depth === 1) {
      const match = /^[ \t]*([A-Za-z_]\w*|'[^']+')[ \t]*:/.exec(block.slice(i));
      if (match) keys.push(match[1]!.replace(/^'|'$/g, ""));
    }
    lineStart = c === "\n";
    if (c === "'") inString = true;
    else if (c === "{" || c === "(" || c === "[") depth++;
    else if (c === "}" || c === ")" || c === "]") depth--;
  }
  return keys;
}

/** Every `key:` on any line of `text` (all depths). */
function allKeys(text: string): string[] {
  return [...text.matchAll(/^[ \t]*([A-Za-z_]\w*|'[^']+')[ \t]*:/gm)].map((m) => m[1]!.replace(/^'|'$/g, ""));
}

interface Param {
  name: string;
  type: string;
  hasDefault: boolean;
  secure: boolean;
}

interface BicepFile {
  path: string;
  name: string;
  raw: string;
  code: string;
  targetScope: string;
  params: Param[];
}

function readBicep(path: string): BicepFile {
  const raw = readFileSync(path, "utf8");
  const code = stripComments(raw);
  const lines = code.split("\n");
  const params: Param[] = [];
  lines.forEach((line, index) => {
    const match = /^param\s+(\w+)\s+(\w+)(\s*=.*)?$/.exec(line.trim());
    if (!match) return;
    // Decorators sit on the lines just above.
    let secure = false;
    for (let j = index - 1; j >= 0 && /^\s*@/.test(lines[j]!); j--) if (/^\s*@secure\(\)/.test(lines[j]!)) secure = true;
    params.push({ name: match[1]!, type: match[2]!, hasDefault: match[3] !== undefined, secure });
  });
  const scope = /^targetScope\s*=\s*'(\w+)'/m.exec(code)?.[1] ?? "resourceGroup";
  return { path, name: relative(infra, path), raw, code, targetScope: scope, params };
}

const files = bicepFiles(infra).map(readBicep);
const file = (name: string): BicepFile => {
  const found = files.find((f) => f.name === name);
  if (!found) throw new Error(`infra/${name} is missing`);
  return found;
};

interface ModuleUse {
  from: BicepFile;
  symbol: string;
  target: string;
  body: string;
  params: string[];
}

function moduleUses(f: BicepFile): ModuleUse[] {
  return [...f.code.matchAll(/^module\s+(\w+)\s+'([^']+)'\s*=\s*/gm)].map((m) => {
    const start = m.index + m[0].length;
    const body = balanced(f.code, start); // `{ ... }` or `[for ...: { ... }]`
    const paramsAt = /\bparams\s*:\s*\{/.exec(body);
    const params = paramsAt ? topLevelKeys(balanced(body, paramsAt.index + paramsAt[0].length - 1)) : [];
    return { from: f, symbol: m[1]!, target: resolve(dirname(f.path), m[2]!), body, params };
  });
}

// ---------------------------------------------------------------------------------------------
// (a) settings

/**
 * Settings the code reads that the deployment deliberately does not set, with the reason. Anything
 * else shared/config/settings.ts reads must be an app setting in functionApp.bicep.
 */
const SETTING_EXCEPTIONS: Record<string, string> = {
  AZURE_ACCESS_TOKEN:
    "command line and tests only: a static bearer token instead of DefaultAzureCredential; in Azure the app uses its managed identity, and a token would expire within the hour",
  AKSMON_HOME: "command line only: where the embedded Azurite keeps its data; the Functions app never starts Azurite",
  STORAGE_CONNECTION_STRING:
    "a connection string carries a key or a SAS, and the storage account has shared keys off: the product's tables live in the AzureWebJobsStorage account, reached through the identity",
  AzureWebJobsStorage:
    "set in its identity-based form (AzureWebJobsStorage__accountName, __credential and the service URIs), never as a connection string",
};

/** The identity-based form that stands for AzureWebJobsStorage. */
const IDENTITY_STORAGE_SETTINGS = [
  "AzureWebJobsStorage__accountName",
  "AzureWebJobsStorage__credential",
  "AzureWebJobsStorage__blobServiceUri",
  "AzureWebJobsStorage__queueServiceUri",
  "AzureWebJobsStorage__tableServiceUri",
];

/** App settings that are not product settings: the platform's, and the Teams bot's (Bot Framework names). */
const PLATFORM_SETTINGS = [
  ...IDENTITY_STORAGE_SETTINGS,
  "APPLICATIONINSIGHTS_CONNECTION_STRING",
  "MicrosoftAppId",
  "MicrosoftAppPassword",
  "MicrosoftAppType",
  "MicrosoftAppTenantId",
];

function appSettings(): { keys: string[]; text: string } {
  const f = file("app/functionApp.bicep");
  const at = /^var\s+appSettings\s*=\s*/m.exec(f.code);
  if (!at) throw new Error("functionApp.bicep has no `var appSettings`");
  // `var appSettings = union({ ... }, cond ? {} : { ... })` or a plain `{ ... }`.
  const start = at.index + at[0].length;
  const text = balanced(f.code, f.code.startsWith("union(", start) ? start + "union".length : start);
  return { keys: allKeys(text), text };
}

function settingValue(text: string, name: string): string {
  const match = new RegExp(`^[ \\t]*${name}[ \\t]*:(.*)$`, "m").exec(text);
  if (!match) throw new Error(`${name} is not set`);
  return match[1]!.trim();
}

describe("infra: app settings", () => {
  const schemaKeys = Object.keys(settingsSchema.shape);
  const { keys, text } = appSettings();

  it("sets every setting shared/config/settings.ts reads, or lists it as an exception with a reason", () => {
    expect(schemaKeys.length).toBeGreaterThan(10);
    const missing = schemaKeys.filter((name) => !keys.includes(name) && !(name in SETTING_EXCEPTIONS));
    expect(missing, "settings the code reads that infra/app/functionApp.bicep does not set").toEqual([]);
  });

  it("keeps the exceptions honest: each is a setting the code reads and the Bicep leaves unset", () => {
    for (const name of Object.keys(SETTING_EXCEPTIONS)) {
      expect(schemaKeys, `${name} is no longer read by the code: drop the exception`).toContain(name);
      expect(keys, `${name} is an exception but the Bicep sets it`).not.toContain(name);
      expect(SETTING_EXCEPTIONS[name]!.length).toBeGreaterThan(20);
    }
  });

  it("sets AzureWebJobsStorage through the identity: account name, managedidentity credential, service URIs", () => {
    for (const name of IDENTITY_STORAGE_SETTINGS) expect(keys).toContain(name);
    expect(settingValue(text, "AzureWebJobsStorage__credential")).toBe("'managedidentity'");
    for (const service of ["blob", "queue", "table"]) {
      expect(settingValue(text, `AzureWebJobsStorage__${service}ServiceUri`)).toContain(`.${service}.\${storageSuffix}`);
    }
  });

  it("sets nothing it does not know: every app setting is a product setting or a platform/bot one", () => {
    const unknown = keys.filter((name) => !schemaKeys.includes(name) && !PLATFORM_SETTINGS.includes(name));
    expect(unknown).toEqual([]);
  });

  it("takes secrets from Key Vault and the ARM endpoint from the cloud it is deployed to", () => {
    expect(settingValue(text, "TEAMS_WEBHOOK_URL")).toMatch(/'@Microsoft\.KeyVault\(SecretUri=\$\{\w+\}\)'/);
    expect(settingValue(text, "MicrosoftAppPassword")).toMatch(/'@Microsoft\.KeyVault\(SecretUri=\$\{\w+\}\)'/);
    expect(file("app/functionApp.bicep").code).toMatch(/resourceManager\s*=\s*environment\(\)\.resourceManager/);
    expect(settingValue(text, "AZURE_RESOURCE_MANAGER_ENDPOINT")).toContain("resourceManager");
    expect(settingValue(text, "AKSMON_READ_NODES")).toBe("readNodes ? 'true' : 'false'");
  });

  it("applies them to the site, on Flex Consumption (FC1, Linux, Node 22, system-assigned identity)", () => {
    const code = file("app/functionApp.bicep").code;
    expect(code).toMatch(/'Microsoft\.Web\/sites\/config@[\w-]+'\s*=\s*\{[^}]*name:\s*'appsettings'\s*properties:\s*appSettings/);
    expect(code).toMatch(/name:\s*'FC1'\s*tier:\s*'FlexConsumption'/);
    expect(code).toContain("kind: 'functionapp,linux'");
    expect(code).toMatch(/identity:\s*\{\s*type:\s*'SystemAssigned'\s*\}/);
    expect(code).toMatch(/runtime:\s*\{\s*name:\s*'node'\s*version:\s*'22'\s*\}/);
    expect(code).toMatch(/type:\s*'blobContainer'/);
    expect(code).toMatch(/instanceMemoryMB:/);
    // Flex Consumption refuses these: the runtime comes from functionAppConfig.
    for (const name of ["FUNCTIONS_WORKER_RUNTIME", "FUNCTIONS_EXTENSION_VERSION", "WEBSITE_RUN_FROM_PACKAGE"]) expect(keys).not.toContain(name);
  });
});

// ---------------------------------------------------------------------------------------------
// (b) roles

/** The only roles the deployment may grant, by their built-in role definition GUIDs. */
const ALLOWED_ROLES: Record<string, string> = {
  "acdd72a7-3385-48ef-bd42-f606fba81ae7": "Reader",
  "0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3": "Storage Table Data Contributor",
  "974c5e8b-45b9-4653-ba55-5f855dd0fb88": "Storage Queue Data Contributor",
  "b7e6dc6d-f1e8-4753-8033-0f276bb0955b": "Storage Blob Data Owner",
  "4633458b-17de-408a-b874-0445c86b69e6": "Key Vault Secrets User",
  "4abbcc35-e782-43d8-92c5-2d3f1bd2253f": "Azure Kubernetes Service Cluster User Role",
  "7f6c6a51-bcf8-42ba-9220-52d62157d7db": "Azure Kubernetes Service RBAC Reader",
  // Event Grid's identity, on the dead-letter container only: with shared keys off, dead-lettering
  // needs an identity with a blob data role.
  "ba92f5b4-2d11-453d-a403-e96b0029c9fe": "Storage Blob Data Contributor",
};
const NODE_READING_ROLES = ["4abbcc35-e782-43d8-92c5-2d3f1bd2253f", "7f6c6a51-bcf8-42ba-9220-52d62157d7db"];
const GUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi;

interface RoleAssignment {
  file: BicepFile;
  symbol: string;
  header: string;
  body: string;
  roleId: string;
}

function roleAssignments(): RoleAssignment[] {
  return files.flatMap((f) => {
    const roles = Object.fromEntries(
      [...f.code.matchAll(/^[ \t]*(\w+)\s*:\s*'([0-9a-f-]{36})'/gm)].map((m) => [m[1]!, m[2]!.toLowerCase()]),
    );
    return [...f.code.matchAll(/^resource\s+(\w+)\s+'Microsoft\.Authorization\/roleAssignments@[\w-]+'\s*=\s*(if\s*\([^)]*\)\s*)?/gm)].map((m) => {
      const body = balanced(f.code, m.index + m[0].length);
      const ref = /roleDefinitionId:\s*subscriptionResourceId\('Microsoft\.Authorization\/roleDefinitions',\s*roles\.(\w+)\)/.exec(body);
      if (!ref) throw new Error(`${f.name}: ${m[1]} does not name its role as subscriptionResourceId(..., roles.<name>)`);
      const roleId = roles[ref[1]!];
      if (!roleId) throw new Error(`${f.name}: roles.${ref[1]} is not a GUID in the file's roles`);
      return { file: f, symbol: m[1]!, header: m[0], body, roleId };
    });
  });
}

describe("infra: role assignments", () => {
  const assignments = roleAssignments();

  it("grants only the least-privilege roles, by GUID", () => {
    expect(assignments.length).toBeGreaterThanOrEqual(7);
    for (const a of assignments) expect(ALLOWED_ROLES, `${a.file.name}: ${a.symbol} grants ${a.roleId}`).toHaveProperty(a.roleId);
    // No GUID anywhere in infra/ that is not an allowed role (no role hidden in a variable or parameter).
    for (const f of files) for (const guid of f.code.match(GUID) ?? []) expect(ALLOWED_ROLES, `${f.name}: ${guid}`).toHaveProperty(guid.toLowerCase());
  });

  it("grants Reader on the monitored subscriptions, the storage and vault roles on the app's resources", () => {
    const granted = new Set(assignments.map((a) => ALLOWED_ROLES[a.roleId]));
    for (const role of Object.values(ALLOWED_ROLES)) expect(granted).toContain(role);
    const subscriptionRoles = file("app/subscriptionRoles.bicep");
    expect(subscriptionRoles.targetScope).toBe("subscription");
    const use = moduleUses(file("main.bicep")).find((u) => u.target.endsWith("subscriptionRoles.bicep"));
    expect(use?.body).toMatch(/^\[for\s+(\w+)\s+in\s+monitoredSubscriptionIds:[\s\S]*scope:\s*subscription\(\1\)/);
  });

  it("grants the AKS roles only when nodes are read", () => {
    const aks = assignments.filter((a) => NODE_READING_ROLES.includes(a.roleId));
    expect(aks).toHaveLength(2);
    for (const a of aks) expect(a.header).toMatch(/=\s*if\s*\(readNodes\)/);
    for (const a of assignments.filter((x) => !NODE_READING_ROLES.includes(x.roleId))) expect(a.header).not.toMatch(/readNodes/);
  });

  it("names every assignment guid(scope, principalId, roleId) and assigns to service principals", () => {
    for (const a of assignments) {
      expect(a.body, `${a.file.name}: ${a.symbol}`).toMatch(/name:\s*guid\([^,()]+(\(\))?[^,]*,\s*\w*[pP]rincipalId,\s*roles\.\w+\)/);
      expect(a.body).toMatch(/principalType:\s*'ServicePrincipal'/);
    }
  });

  it("creates no custom roles and no Key Vault access policies", () => {
    for (const f of files) {
      expect(f.code).not.toMatch(/Microsoft\.Authorization\/roleDefinitions@/);
      expect(f.code).not.toMatch(/accessPolicies/);
    }
    expect(file("app/keyVault.bicep").code).toContain("enableRbacAuthorization: true");
  });
});

// ---------------------------------------------------------------------------------------------
// (c) secrets

describe("infra: no hard-coded secrets", () => {
  const secretName = /password|secret|webhook|token|key(?!vault)/i;

  it("uses no keys: no listKeys or SAS functions, no account keys, shared key access off", () => {
    for (const f of files) {
      expect(f.code, f.name).not.toMatch(/\blist\w*\(/i); // listKeys, listSecrets, listAccountSas, ...
      expect(f.code, f.name).not.toMatch(/AccountKey\s*=|SharedAccessSignature|SharedAccessKey/i);
      expect(f.code, f.name).not.toMatch(/DefaultEndpointsProtocol/i);
    }
    const storage = file("app/storage.bicep").code;
    expect(storage).toContain("allowSharedKeyAccess: false");
    expect(storage).toContain("minimumTlsVersion: 'TLS1_2'");
    expect(storage).toContain("kind: 'StorageV2'");
  });

  it("takes every secret as a @secure() parameter with no value of its own", () => {
    for (const f of files) {
      for (const p of f.params.filter((x) => secretName.test(x.name) && !/Uri$|Id$/.test(x.name))) {
        expect(p.secure, `${f.name}: param ${p.name} must be @secure()`).toBe(true);
      }
      for (const p of f.params.filter((x) => x.secure)) {
        const line = f.code.split("\n").find((l) => new RegExp(`^param\\s+${p.name}\\b`).test(l.trim()))!;
        expect(line, `${f.name}: ${p.name} has a default other than ''`).toMatch(/^param\s+\w+\s+string(\s*=\s*'')?$/);
        // A secure value leaves a module only through Key Vault: never in an output.
        for (const output of f.code.split("\n").filter((l) => /^output\s/.test(l))) {
          expect(output.replaceAll(`empty(${p.name})`, ""), `${f.name}: output exposes ${p.name}`).not.toMatch(new RegExp(`\\b${p.name}\\b`));
        }
      }
    }
  });

  it("keeps the secrets in Key Vault secrets and reads them only from secure parameters", () => {
    const vault = file("app/keyVault.bicep");
    const secrets = [...vault.code.matchAll(/'Microsoft\.KeyVault\/vaults\/secrets@[\w-]+'[^{]*\{[\s\S]*?value:\s*(\w+)/g)].map((m) => m[1]!);
    expect(secrets).toEqual(["teamsWebhookUrl", "botAppPassword"]);
    for (const name of secrets) expect(vault.params.find((p) => p.name === name)?.secure).toBe(true);
    // main.bicep passes them on from its own secure parameters; main.parameters.json from azd's environment.
    const main = file("main.bicep");
    for (const name of secrets) expect(main.params.find((p) => p.name === name)?.secure).toBe(true);
    const parameters = JSON.parse(readFileSync(join(infra, "main.parameters.json"), "utf8")) as { parameters: Record<string, { value: unknown }> };
    for (const name of secrets) expect(parameters.parameters[name]?.value).toMatch(/^\$\{\w+=?\}$/);
  });
});

// ---------------------------------------------------------------------------------------------
// (d) modules

describe("infra: modules", () => {
  const uses = files.flatMap(moduleUses);
  const main = file("main.bicep");

  it("main.bicep deploys the app's modules", () => {
    const targets = moduleUses(main).map((u) => relative(infra, u.target));
    for (const name of ["storage", "monitoring", "keyVault", "functionApp", "roleAssignments", "subscriptionRoles", "eventGrid", "clusterTopic"]) {
      expect(targets).toContain(`app/${name}.bicep`);
    }
  });

  it("every referenced module exists, gets every parameter it requires, and nothing it does not declare", () => {
    expect(uses.length).toBeGreaterThan(5);
    for (const use of uses) {
      const where = `${use.from.name}: module ${use.symbol}`;
      expect(existsSync(use.target), `${where}: ${use.target} is missing`).toBe(true);
      const target = readBicep(use.target);
      const required = target.params.filter((p) => !p.hasDefault).map((p) => p.name);
      for (const name of required) expect(use.params, `${where} does not pass ${name}`).toContain(name);
      const declared = target.params.map((p) => p.name);
      for (const name of use.params) expect(declared, `${where} passes ${name}, which ${target.name} does not declare`).toContain(name);
    }
  });

  it("deploys each module at its own target scope", () => {
    for (const use of uses) {
      const target = readBicep(use.target);
      const scope = /\bscope:\s*([^\n]+)/.exec(use.body)?.[1]?.trim() ?? "";
      if (target.targetScope === "subscription") expect(scope, `${use.symbol}`).toMatch(/^subscription\(/);
      else expect(scope, `${use.symbol}`).toMatch(/^(rg|resourceGroup\()/);
    }
    expect(main.targetScope).toBe("subscription");
  });

  it("main.parameters.json only sets parameters main.bicep declares, and every required one", () => {
    const parameters = JSON.parse(readFileSync(join(infra, "main.parameters.json"), "utf8")) as { parameters: Record<string, unknown> };
    const declared = main.params.map((p) => p.name);
    for (const name of Object.keys(parameters.parameters)) expect(declared).toContain(name);
    for (const p of main.params.filter((x) => !x.hasDefault)) expect(Object.keys(parameters.parameters)).toContain(p.name);
  });

  it("subscribes the clusterEvents function to the topics, with retries and dead-lettering", () => {
    const eventGrid = file("app/eventGrid.bicep").code;
    for (const topicType of ["Microsoft.Resources.Subscriptions", "microsoft.resourcenotifications.resources", "microsoft.resourcenotifications.containerserviceeventresources"]) {
      expect(eventGrid).toContain(`topicType: '${topicType}'`);
    }
    for (const operation of ["managedClusters/write", "managedClusters/delete", "managedClusters/agentPools/write", "managedClusters/agentPools/delete"]) {
      expect(eventGrid).toContain(`'Microsoft.ContainerService/${operation}'`);
    }
    const cluster = file("app/clusterTopic.bicep").code;
    expect(cluster).toContain("topicType: 'Microsoft.ContainerService.ManagedClusters'");
    const aksEvents = ["NewKubernetesVersionAvailable", "ClusterSupportEnding", "ClusterSupportEnded", "NodePoolRollingStarted", "NodePoolRollingSucceeded", "NodePoolRollingFailed"];
    for (const name of aksEvents) expect(cluster).toContain(`'Microsoft.ContainerService.${name}'`);
    for (const f of [file("app/eventGrid.bicep"), file("app/clusterTopic.bicep")]) {
      const subscriptions = [...f.code.matchAll(/'Microsoft\.EventGrid\/systemTopics\/eventSubscriptions@[\w-]+'\s*=\s*/g)];
      expect(subscriptions.length).toBeGreaterThan(0);
      for (const m of subscriptions) {
        const body = balanced(f.code, m.index + m[0].length);
        expect(body).toMatch(/destination:/);
        expect(body).toMatch(/retryPolicy:/);
        expect(body).toMatch(/deadLetterWithResourceIdentity:/);
      }
      // Delivered to the function itself (no webhook URL, so no function key in the template).
      expect(f.code).toMatch(/endpointType:\s*'AzureFunction'/);
      expect(f.code).not.toMatch(/endpointType:\s*'WebHook'/i);
      expect(f.code).toMatch(/maxDeliveryAttempts:/);
      expect(f.code).toMatch(/eventTimeToLiveInMinutes:/);
      expect(f.code).toMatch(/resourceId:\s*'\$\{functionAppId\}\/functions\/\$\{functionName\}'/);
      expect(f.code).toContain("param functionName string = 'clusterEvents'");
    }
  });
});

// ---------------------------------------------------------------------------------------------
// (e) azure.yaml

describe("azure.yaml", () => {
  it("names the function project for azd, and the Bicep it provisions", () => {
    const azure = parseYaml(readFileSync(join(root, "azure.yaml"), "utf8")) as {
      name: string;
      infra?: { provider?: string; path?: string; module?: string };
      services: Record<string, { project: string; language: string; host: string }>;
    };
    expect(azure.services.api).toEqual({ project: ".", language: "js", host: "function" });
    expect(existsSync(join(root, azure.services.api!.project, "host.json"))).toBe(true);
    expect(existsSync(join(root, azure.infra?.path ?? "infra", `${azure.infra?.module ?? "main"}.bicep`))).toBe(true);
    // azd finds the app by this tag.
    expect(file("main.bicep").code).toContain("'azd-service-name': 'api'");
    const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { scripts: Record<string, string> };
    expect(pkg.scripts.build).toBeTruthy();
  });
});
