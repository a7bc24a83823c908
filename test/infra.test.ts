import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { settingsSchema } from "../shared/config/settings.js";
import { TABLE_KINDS } from "../shared/store/tables.js";
import { tableName } from "../shared/store/keys.js";
import { EVALUATE_QUEUE, POISON_QUEUE } from "../shared/sweep/messages.js";

/*
 * Reads the COMPILED deployment: `npm run infra:check` (scripts/infraCheck.mjs) builds infra/ with the
 * real Bicep CLI into dist/infra/ (main.json, with every module inlined as a nested
 * Microsoft.Resources/deployments, and app/<module>.json for each module on its own). It proves what the
 * deployment promises: every setting the code reads is set (or is a documented exception), no role
 * beyond the least-privilege list is granted, no secret is hard-coded or leaks, every module is
 * deployed with its parameters at its scope, and azd knows the function project. ARM expressions are
 * strings such as "[parameters('x')]": the assertions compare them as they are.
 */

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const infra = join(root, "infra");
const built = join(root, "dist", "infra");

const bicepSources = (readdirSync(infra, { recursive: true }) as string[]).filter((name) => name.endsWith(".bicep"));
const mainJson = join(built, "main.json");
if (!existsSync(mainJson)) throw new Error("dist/infra/main.json is missing: run `npm run infra:check` (it compiles infra/ with the Bicep CLI)");
const stale = bicepSources.filter((name) => statSync(join(infra, name)).mtimeMs > statSync(mainJson).mtimeMs);
if (stale.length) throw new Error(`dist/infra is older than infra/${stale[0]}: run \`npm run infra:check\``);

// ---------------------------------------------------------------------------------------------
// The compiled model

type Json = string | number | boolean | null | Json[] | { [key: string]: Json };
interface Parameter {
  type: string;
  defaultValue?: Json;
  nullable?: boolean;
  allowedValues?: Json[];
}
interface Resource {
  type: string;
  name: string;
  apiVersion?: string;
  condition?: string;
  existing?: boolean;
  copy?: { name: string; count: string };
  scope?: string;
  subscriptionId?: string;
  resourceGroup?: string;
  location?: string;
  kind?: string;
  tags?: Json;
  sku?: Record<string, Json>;
  identity?: Record<string, Json>;
  properties?: Record<string, Json>;
}
interface Template {
  $schema: string;
  metadata?: { _generator?: { templateHash?: string } };
  parameters?: Record<string, Parameter>;
  variables?: Record<string, Json>;
  resources: Resource[] | Record<string, Resource>;
  outputs?: Record<string, { type: string; value: Json }>;
}
/** A resource where it sits: its symbolic name (languageVersion 2.0) and the template that holds it. */
interface Placed {
  symbol: string;
  resource: Resource;
  template: Template;
  /** The chain of nested deployments it is in, from main.json: e.g. ["functionApp"]. */
  path: string[];
}
/** A nested deployment (a Bicep module) and what it deploys. */
interface Module extends Placed {
  parameters: Record<string, { value?: Json; reference?: Json }>;
  inner: Template;
}

const readTemplate = (path: string): Template => JSON.parse(readFileSync(path, "utf8")) as Template;
const main = readTemplate(mainJson);
const parametersFile = JSON.parse(readFileSync(join(infra, "main.parameters.json"), "utf8")) as { parameters: Record<string, { value: Json }> };

function resourcesOf(template: Template): [string, Resource][] {
  return Array.isArray(template.resources)
    ? template.resources.map((r, i) => [`${r.type}#${i}`, r] as [string, Resource])
    : Object.entries(template.resources);
}

/** Every resource of the deployment, through every nested deployment. */
function walk(template: Template, path: string[] = []): Placed[] {
  return resourcesOf(template).flatMap(([symbol, resource]) => {
    const here: Placed = { symbol, resource, template, path };
    const inner = resource.type === "Microsoft.Resources/deployments" ? (resource.properties?.template as unknown as Template | undefined) : undefined;
    return inner ? [here, ...walk(inner, [...path, symbol])] : [here];
  });
}

const all = walk(main);
const modules: Module[] = all
  .filter((p) => p.resource.type === "Microsoft.Resources/deployments")
  .map((p) => ({
    ...p,
    parameters: (p.resource.properties?.parameters ?? {}) as Module["parameters"],
    inner: p.resource.properties?.template as unknown as Template,
  }));
const module = (symbol: string): Module => {
  const found = modules.find((m) => m.path.length === 0 && m.symbol === symbol);
  if (!found) throw new Error(`main.bicep deploys no module '${symbol}'`);
  return found;
};
const ofType = (template: Template, type: string): Resource[] => resourcesOf(template).map(([, r]) => r).filter((r) => r.type === type);
const only = (template: Template, type: string): Resource => {
  const found = ofType(template, type);
  expect(found, type).toHaveLength(1);
  return found[0]!;
};
/** A value, with a whole-string "[variables('x')]" replaced by the variable. */
const resolveVar = (template: Template, value: Json | undefined): Json | undefined => {
  const match = typeof value === "string" ? /^\[variables\('(\w+)'\)\]$/.exec(value) : null;
  return match ? template.variables?.[match[1]!] : value;
};
const expressions = (value: unknown): string[] => (typeof value === "string" ? [value] : value && typeof value === "object" ? Object.values(value).flatMap(expressions) : []);

/** The standalone compiled modules, by templateHash: each nested deployment must be one of them. */
const compiledModules = new Map(
  (readdirSync(join(built, "app")) as string[])
    .filter((name) => name.endsWith(".json"))
    .map((name) => [readTemplate(join(built, "app", name)).metadata?._generator?.templateHash, `app/${name.replace(/\.json$/, ".bicep")}`]),
);
const sourceOf = (m: Module): string | undefined => compiledModules.get(m.inner.metadata?._generator?.templateHash);

// ---------------------------------------------------------------------------------------------
// (a) settings

/**
 * Settings the code reads that the deployment deliberately does not set, with the reason. Anything
 * else shared/config/settings.ts reads must be an app setting of the Function App.
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
  "APPLICATIONINSIGHTS_AUTHENTICATION_STRING",
  "MicrosoftAppId",
  "MicrosoftAppPassword",
  "MicrosoftAppType",
  "MicrosoftAppTenantId",
];

const functionApp = module("functionApp");
const app = functionApp.inner;
const site = only(app, "Microsoft.Web/sites");
const siteConfigs = ofType(app, "Microsoft.Web/sites/config");
const configNamed = (name: string): Resource | undefined => siteConfigs.find((config) => config.name.endsWith(`'${name}')]`));
const siteConfig = configNamed("appsettings")!;
const baseSettings = app.variables?.appSettings as Record<string, string>;
const botSettings = app.variables?.botSettings as Record<string, string>;
const settings: Record<string, string> = { ...baseSettings, ...botSettings };
const settingNames = Object.keys(settings);

describe("infra: app settings", () => {
  const schemaKeys = Object.keys(settingsSchema.shape);

  it("applies the settings to the site: the product's always, the bot's only with a bot", () => {
    expect(siteConfig.name).toMatch(/'appsettings'\)\]$/);
    expect(siteConfig.properties).toBe("[union(variables('appSettings'), if(empty(parameters('botAppId')), createObject(), variables('botSettings')))]");
    expect(Object.keys(baseSettings).length).toBeGreaterThan(15);
    expect(Object.keys(botSettings).sort()).toEqual(["MicrosoftAppId", "MicrosoftAppPassword", "MicrosoftAppTenantId", "MicrosoftAppType"]);
  });

  it("sets every setting shared/config/settings.ts reads, or lists it as an exception with a reason", () => {
    expect(schemaKeys.length).toBeGreaterThan(10);
    const missing = schemaKeys.filter((name) => !settingNames.includes(name) && !(name in SETTING_EXCEPTIONS));
    expect(missing, "settings the code reads that the Function App does not get").toEqual([]);
  });

  it("keeps the exceptions honest: each is a setting the code reads and the deployment leaves unset", () => {
    for (const name of Object.keys(SETTING_EXCEPTIONS)) {
      expect(schemaKeys, `${name} is no longer read by the code: drop the exception`).toContain(name);
      expect(settingNames, `${name} is an exception but the deployment sets it`).not.toContain(name);
      expect(SETTING_EXCEPTIONS[name]!.length).toBeGreaterThan(20);
    }
  });

  it("sets AzureWebJobsStorage through the identity: account name, managedidentity credential, service URIs of this cloud", () => {
    for (const name of IDENTITY_STORAGE_SETTINGS) expect(settingNames).toContain(name);
    expect(settings.AzureWebJobsStorage__credential).toBe("managedidentity");
    expect(settings.AzureWebJobsStorage__accountName).toBe("[parameters('storageAccountName')]");
    expect(app.variables?.storageSuffix).toBe("[environment().suffixes.storage]");
    for (const service of ["blob", "queue", "table"]) {
      expect(settings[`AzureWebJobsStorage__${service}ServiceUri`]).toBe(
        `[format('https://{0}.${service}.{1}', parameters('storageAccountName'), variables('storageSuffix'))]`,
      );
    }
  });

  it("sets nothing it does not know: every app setting is a product setting or a platform/bot one", () => {
    const unknown = settingNames.filter((name) => !schemaKeys.includes(name) && !PLATFORM_SETTINGS.includes(name));
    expect(unknown).toEqual([]);
    // Flex Consumption refuses these: the runtime comes from functionAppConfig.
    for (const name of ["FUNCTIONS_WORKER_RUNTIME", "FUNCTIONS_EXTENSION_VERSION", "WEBSITE_RUN_FROM_PACKAGE"]) expect(settingNames).not.toContain(name);
  });

  it("takes secrets from Key Vault and the ARM endpoint from the cloud it is deployed to", () => {
    expect(settings.TEAMS_WEBHOOK_URL).toBe("[if(empty(parameters('teamsWebhookSecretUri')), '', format('@Microsoft.KeyVault(SecretUri={0})', parameters('teamsWebhookSecretUri')))]");
    expect(settings.MicrosoftAppPassword).toBe("[if(empty(parameters('botSecretUri')), '', format('@Microsoft.KeyVault(SecretUri={0})', parameters('botSecretUri')))]");
    expect(app.variables?.resourceManager).toBe("[environment().resourceManager]");
    expect(settings.AZURE_RESOURCE_MANAGER_ENDPOINT).toBe("[variables('resourceManagerEndpoint')]");
    expect(app.variables?.resourceManagerEndpoint).toContain("variables('resourceManager')");
    expect(settings.AKSMON_READ_NODES).toBe("[if(parameters('readNodes'), 'true', 'false')]");
    expect(settings.MONITOR_SUBSCRIPTIONS).toBe("[join(parameters('monitoredSubscriptionIds'), ',')]");
    expect(settings.MicrosoftAppType).toBe("SingleTenant");
    // The Key Vault URIs come from the vault module, versionless (no secret version in the URI).
    expect(functionApp.parameters.teamsWebhookSecretUri?.value).toBe("[reference('keyVault').outputs.teamsWebhookSecretUri.value]");
    expect(functionApp.parameters.botSecretUri?.value).toBe("[reference('keyVault').outputs.botSecretUri.value]");
    const vaultOutputs = module("keyVault").inner.outputs!;
    expect(vaultOutputs.teamsWebhookSecretUri?.value).toBe("[if(parameters('hasTeamsWebhook'), format('{0}secrets/{1}', reference('vault').vaultUri, variables('teamsWebhookSecretName')), '')]");
  });

  it("runs on Flex Consumption (FC1, Linux), with a system-assigned identity and the package in a blob container", () => {
    const plan = only(app, "Microsoft.Web/serverfarms");
    expect(plan.sku).toEqual({ name: "FC1", tier: "FlexConsumption" });
    expect(plan.properties?.reserved).toBe(true);
    expect(site.kind).toBe("functionapp,linux");
    expect(site.identity).toEqual({ type: "SystemAssigned" });
    expect(site.properties?.httpsOnly).toBe(true);
    const config = site.properties?.functionAppConfig as Record<string, Record<string, Record<string, Json>>>;
    expect(config.deployment?.storage).toEqual({
      type: "blobContainer",
      value: "[parameters('deploymentContainerUrl')]",
      authentication: { type: "SystemAssignedIdentity" },
    });
    expect(config.scaleAndConcurrency?.instanceMemoryMB).toBe("[parameters('instanceMemoryMB')]");
    expect(config.runtime?.name).toBe("node");
  });

  it("deploys the Node.js version of the nodeVersion parameter: 22 by default, 24 allowed", () => {
    const config = site.properties?.functionAppConfig as Record<string, Record<string, Json>>;
    expect(config.runtime?.version).toBe("[parameters('nodeVersion')]");
    expect(functionApp.parameters.nodeVersion?.value).toBe("[parameters('nodeVersion')]");
    for (const template of [main, app]) {
      expect(template.parameters?.nodeVersion).toMatchObject({ type: "string", defaultValue: "22", allowedValues: ["22", "24"] });
    }
    expect(parametersFile.parameters.nodeVersion?.value).toBe("${NODE_VERSION=22}");
  });
});

// ---------------------------------------------------------------------------------------------
// (b) roles

/** The only roles the deployment may grant, by their built-in role definition GUIDs. */
const ALLOWED_ROLES: Record<string, string> = {
  "acdd72a7-3385-48ef-bd42-f606fba81ae7": "Reader",
  "0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3": "Storage Table Data Contributor",
  "974c5e8b-45b9-4653-ba55-5f855dd0fb88": "Storage Queue Data Contributor",
  "4633458b-17de-408a-b874-0445c86b69e6": "Key Vault Secrets User",
  "4abbcc35-e782-43d8-92c5-2d3f1bd2253f": "Azure Kubernetes Service Cluster User Role",
  "7f6c6a51-bcf8-42ba-9220-52d62157d7db": "Azure Kubernetes Service RBAC Reader",
  // The app's identity on the host's and the deployment's containers; Event Grid's identity on the
  // dead-letter container only (with shared keys off, dead-lettering needs a blob data role).
  "ba92f5b4-2d11-453d-a403-e96b0029c9fe": "Storage Blob Data Contributor",
  // The app's identity sends telemetry: Application Insights has local (key) authentication off.
  "3913510d-42f4-4e42-8a64-420c390055eb": "Monitoring Metrics Publisher",
};
const NODE_READING_ROLES = ["4abbcc35-e782-43d8-92c5-2d3f1bd2253f", "7f6c6a51-bcf8-42ba-9220-52d62157d7db"];
const GUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi;

interface Assignment extends Placed {
  roleId: string;
  role: string;
}

/** Every role assignment, with its role definition GUID resolved from the expression that names it. */
const assignments: Assignment[] = all
  .filter((p) => p.resource.type === "Microsoft.Authorization/roleAssignments")
  .map((p) => {
    const where = `${p.path.join("/")}: ${p.resource.name}`;
    const ref = /^\[subscriptionResourceId\('Microsoft\.Authorization\/roleDefinitions', (?:'([0-9a-f-]{36})'|variables\('(\w+)'\)\.(\w+))\)\]$/.exec(
      String(p.resource.properties?.roleDefinitionId),
    );
    if (!ref) throw new Error(`${where}: roleDefinitionId is not subscriptionResourceId(roleDefinitions, <built-in GUID>)`);
    const roleId = (ref[1] ?? (p.template.variables?.[ref[2]!] as Record<string, string> | undefined)?.[ref[3]!] ?? "").toLowerCase();
    return { ...p, roleId, role: ALLOWED_ROLES[roleId] ?? `not allowed: ${roleId}` };
  });

describe("infra: authentication and hardening", () => {
  it("turns App Service Authentication on whenever a recheck role is set, so that only the platform sets the principal header", () => {
    const auth = configNamed("authsettingsV2");
    expect(auth, "authsettingsV2 is deployed").toBeDefined();
    // Deployed exactly when a role is configured: a role without authentication would trust a forgeable header.
    expect(auth!.condition).toBe("[not(empty(parameters('recheckRequiredRole')))]");
    const properties = auth!.properties as Record<string, any>;
    expect(properties.platform.enabled).toBe(true);
    expect(properties.globalValidation).toMatchObject({ requireAuthentication: true, unauthenticatedClientAction: "Return401" });
    // The bot's endpoint (its own JWT) and the health probe stay reachable; the HTTP API does not.
    expect(properties.globalValidation.excludedPaths).toEqual(expect.arrayContaining(["/api/messages", "/api/health"]));
    for (const path of properties.globalValidation.excludedPaths as string[]) expect(path).not.toMatch(/^\/api\/(clusters|dashboard)/);
    expect(properties.identityProviders.azureActiveDirectory).toMatchObject({ enabled: true, registration: { clientId: "[parameters('apiAuthClientId')]" } });
    expect(properties.identityProviders.azureActiveDirectory.registration.openIdIssuer).toContain("tenant().tenantId");
    expect(main.parameters?.apiAuthClientId).toBeDefined();
    expect(functionApp.parameters.apiAuthClientId?.value).toBe("[parameters('apiAuthClientId')]");
  });

  it("turns basic publishing credentials off for SCM and FTP", () => {
    const policies = ofType(app, "Microsoft.Web/sites/basicPublishingCredentialsPolicies");
    expect(policies.map((p) => p.name.match(/'(\w+)'\)\]$/)?.[1]).sort()).toEqual(["ftp", "scm"]);
    for (const policy of policies) {
      expect(policy.condition).toBeUndefined();
      expect(policy.properties).toEqual({ allow: false });
    }
    expect((site.properties?.siteConfig as Record<string, Json>).ftpsState).toBe("Disabled");
  });

  it("protects Key Vault from purging and keeps shared keys off storage; each open network is a documented exception", () => {
    const vault = only(module("keyVault").inner, "Microsoft.KeyVault/vaults");
    expect(vault.properties).toMatchObject({ enableRbacAuthorization: true, enableSoftDelete: true, enablePurgeProtection: true });
    const account = only(module("storage").inner, "Microsoft.Storage/storageAccounts");
    expect(account.properties).toMatchObject({ allowSharedKeyAccess: false, allowBlobPublicAccess: false });
    for (const [file, resource] of [["app/keyVault.bicep", vault], ["app/storage.bicep", account]] as const) {
      if (resource.properties?.publicNetworkAccess === "Disabled") continue;
      const source = readFileSync(join(infra, file), "utf8");
      expect(source, `${file} says why its public network access stays enabled`).toMatch(/\/\/ Exception: [^\n]+\n(\s*\/\/[^\n]*\n)*\s*publicNetworkAccess: 'Enabled'/);
    }
  });
});

describe("infra: telemetry", () => {
  it("sends to Application Insights with Entra ID only: local auth off, the host authenticates with its identity", () => {
    const component = only(module("monitoring").inner, "Microsoft.Insights/components");
    expect(component.properties?.DisableLocalAuth).toBe(true);
    expect(settings.APPLICATIONINSIGHTS_AUTHENTICATION_STRING).toBe("Authorization=AAD");
    expect(functionApp.parameters.applicationInsightsConnectionString?.value).toBe("[reference('monitoring').outputs.connectionString.value]");
    // The role is granted on the component the app sends to.
    expect(module("roleAssignments").parameters.applicationInsightsName?.value).toBe(module("monitoring").parameters.applicationInsightsName?.value);
  });
});

describe("infra: role assignments", () => {
  it("grants only the least-privilege roles, by GUID, and mentions no other GUID", () => {
    expect(assignments.length).toBeGreaterThanOrEqual(8);
    for (const a of assignments) expect(ALLOWED_ROLES, `${a.path.join("/")}: ${a.resource.name} grants ${a.roleId}`).toHaveProperty(a.roleId);
    // No GUID anywhere in the compiled deployment that is not an allowed role (none hidden in a parameter default).
    for (const guid of JSON.stringify(main).match(GUID) ?? []) expect(ALLOWED_ROLES, guid).toHaveProperty(guid.toLowerCase());
  });

  it("grants each role where it belongs: Reader and the AKS roles on the monitored subscriptions, data roles on the app's resources", () => {
    const where = (role: string) => assignments.filter((a) => a.role === role).map((a) => [a.path.join("/"), a.resource.scope ?? "subscription"]);
    expect(where("Reader")).toEqual([["subscriptionRoles", "subscription"]]);
    expect(where("Azure Kubernetes Service Cluster User Role")).toEqual([["subscriptionRoles", "subscription"]]);
    expect(where("Azure Kubernetes Service RBAC Reader")).toEqual([["subscriptionRoles", "subscription"]]);
    const each = (type: string, list: string) =>
      `[resourceId('Microsoft.Storage/storageAccounts/${type}', parameters('storageAccountName'), 'default', ${list}[copyIndex()])]`;
    expect(where("Storage Table Data Contributor")).toEqual([["roleAssignments", each("tableServices/tables", "parameters('tableNames')")]]);
    expect(where("Storage Queue Data Contributor")).toEqual([["roleAssignments", each("queueServices/queues", "parameters('queueNames')")]]);
    expect(where("Monitoring Metrics Publisher")).toEqual([["roleAssignments", "[resourceId('Microsoft.Insights/components', parameters('applicationInsightsName'))]"]]);
    expect(where("Key Vault Secrets User")).toEqual([["roleAssignments", "[resourceId('Microsoft.KeyVault/vaults', parameters('keyVaultName'))]"]]);
    expect(where("Storage Blob Data Contributor")).toEqual([
      ["roleAssignments", each("blobServices/containers", "concat(parameters('hostContainerNames'), createArray(parameters('deploymentContainerName')))")],
      ["roleAssignments", "[resourceId('Microsoft.Storage/storageAccounts/blobServices/containers', parameters('storageAccountName'), 'default', parameters('deadLetterContainerName'))]"],
    ]);
  });

  it("grants storage table by table, queue by queue and container by container, never the account, and creates each one it grants", () => {
    for (const a of assignments) expect(String(a.resource.scope ?? ""), a.role).not.toMatch(/^\[resourceId\('Microsoft\.Storage\/storageAccounts', [^,]+\)\]$/);
    const storage = module("storage");
    const roles = module("roleAssignments");
    const listed = (name: string) => main.variables?.[name] as string[] | undefined;
    // The tables the app opens (TableStore's TABLE_KINDS, default prefix) are the ones deployed and granted.
    expect(listed("productTables")).toEqual(TABLE_KINDS.map((kind) => tableName("aksmon", kind)));
    expect(listed("productQueues")).toEqual([EVALUATE_QUEUE, POISON_QUEUE]);
    expect(listed("hostContainers")).toEqual(["azure-webjobs-hosts", "azure-webjobs-secrets"]);
    for (const [param, variable] of [["tableNames", "productTables"], ["queueNames", "productQueues"], ["hostContainerNames", "hostContainers"]] as const) {
      expect(storage.parameters[param]?.value, param).toBe(`[variables('${variable}')]`);
      expect(roles.parameters[param]?.value, param).toBe(`[variables('${variable}')]`);
    }
    expect(roles.parameters.deploymentContainerName?.value).toBe(storage.parameters.deploymentContainerName?.value);
    const created = (type: string) => Object.values(storage.inner.resources as Record<string, { type: string; copy?: { count: string } }>).filter((r) => r.type === type);
    expect(created("Microsoft.Storage/storageAccounts/tableServices/tables").map((r) => r.copy?.count)).toEqual(["[length(parameters('tableNames'))]"]);
    expect(created("Microsoft.Storage/storageAccounts/queueServices/queues").map((r) => r.copy?.count)).toEqual(["[length(parameters('queueNames'))]"]);
    expect(created("Microsoft.Storage/storageAccounts/blobServices/containers").map((r) => r.copy?.count ?? "one")).toEqual(["one", "one", "[length(parameters('hostContainerNames'))]"]);
  });

  it("grants to the right principals: the app's identity, and Event Grid's identity only for dead letters", () => {
    for (const a of assignments) {
      const principal = a.resource.name?.includes("deadLetterContainerName") ? "[parameters('eventGridPrincipalId')]" : "[parameters('principalId')]";
      expect(a.resource.properties?.principalId, a.role).toBe(principal);
      expect(a.resource.properties?.principalType).toBe("ServicePrincipal");
    }
    const roles = module("roleAssignments");
    expect(roles.parameters.principalId?.value).toBe("[reference('functionApp').outputs.principalId.value]");
    expect(roles.parameters.eventGridPrincipalId?.value).toBe("[reference('eventGridIdentity').outputs.principalId.value]");
    expect(module("subscriptionRoles").parameters.principalId?.value).toBe("[reference('functionApp').outputs.principalId.value]");
    // The app's resources are the ones the other modules create.
    expect(roles.parameters.storageAccountName?.value).toBe(module("storage").parameters.name?.value);
    expect(roles.parameters.keyVaultName?.value).toBe(module("keyVault").parameters.name?.value);
  });

  it("covers every monitored subscription, at subscription scope", () => {
    const subscriptionRoles = module("subscriptionRoles");
    expect(subscriptionRoles.resource.copy?.count).toBe("[length(variables('monitoredSubscriptionIds'))]");
    expect(subscriptionRoles.resource.subscriptionId).toBe("[variables('monitoredSubscriptionIds')[copyIndex()]]");
    expect(subscriptionRoles.inner.$schema).toContain("subscriptionDeploymentTemplate.json");
    expect(main.variables?.monitoredSubscriptionIds).toContain("parameters('monitoredSubscriptions')");
  });

  it("grants the AKS roles only when nodes are read", () => {
    const aks = assignments.filter((a) => NODE_READING_ROLES.includes(a.roleId));
    expect(aks).toHaveLength(2);
    for (const a of aks) expect(a.resource.condition).toBe("[parameters('readNodes')]");
    for (const a of assignments.filter((x) => !NODE_READING_ROLES.includes(x.roleId))) expect(a.resource.condition).toBeUndefined();
    expect(module("subscriptionRoles").parameters.readNodes?.value).toBe("[parameters('readNodes')]");
  });

  it("names every assignment guid(scope, principalId, roleId), so a redeployment finds it again", () => {
    for (const a of assignments) {
      const scope = a.resource.scope ? a.resource.scope.slice(1, -1) : "variables('scopeId')";
      const principal = String(a.resource.properties?.principalId).slice(1, -1);
      const role = String(a.resource.properties?.roleDefinitionId).match(/, (.+)\)\]$/)![1];
      expect(a.resource.name, `${a.path.join("/")}: ${a.role}`).toBe(`[guid(${scope}, ${principal}, ${role})]`);
    }
    expect(module("subscriptionRoles").inner.variables?.scopeId).toBe("[subscription().id]");
  });

  it("creates no custom roles and no Key Vault access policies", () => {
    expect(all.filter((p) => p.resource.type === "Microsoft.Authorization/roleDefinitions")).toEqual([]);
    expect(JSON.stringify(main)).not.toMatch(/accessPolicies/);
    expect(only(module("keyVault").inner, "Microsoft.KeyVault/vaults").properties?.enableRbacAuthorization).toBe(true);
  });
});

// ---------------------------------------------------------------------------------------------
// (c) secrets

const templates: { where: string; template: Template }[] = [{ where: "main", template: main }, ...modules.map((m) => ({ where: m.path.concat(m.symbol).join("/"), template: m.inner }))];
const secureParameters = (template: Template): string[] =>
  Object.entries(template.parameters ?? {})
    .filter(([, p]) => p.type.toLowerCase() === "securestring" || p.type.toLowerCase() === "secureobject")
    .map(([name]) => name);

describe("infra: no hard-coded secrets", () => {
  const secretName = /password|secret|webhook|token|key(?!vault)/i;

  it("uses no keys: no listKeys or SAS functions, no account keys, shared key access off", () => {
    const text = JSON.stringify(main);
    expect(text).not.toMatch(/\blist\w*\(/i); // listKeys, listSecrets, listAccountSas, ...
    expect(text).not.toMatch(/AccountKey\s*=|SharedAccessSignature|SharedAccessKey/i);
    expect(text).not.toMatch(/DefaultEndpointsProtocol/i);
    const account = only(module("storage").inner, "Microsoft.Storage/storageAccounts");
    expect(account.kind).toBe("StorageV2");
    expect(account.properties).toMatchObject({ allowSharedKeyAccess: false, minimumTlsVersion: "TLS1_2", allowBlobPublicAccess: false, supportsHttpsTrafficOnly: true });
  });

  it("takes every secret as a secure parameter with no value of its own", () => {
    for (const { where, template } of templates) {
      for (const [name, p] of Object.entries(template.parameters ?? {})) {
        if (secretName.test(name) && !/Uri$|Id$/.test(name) && p.type !== "bool") expect(p.type, `${where}: parameter ${name} must be @secure()`).toBe("securestring");
      }
      for (const name of secureParameters(template)) {
        const p = template.parameters![name]!;
        expect(p.defaultValue ?? "", `${where}: ${name} has a default other than ''`).toBe("");
      }
    }
  });

  it("lets a secure value leave a template only through Key Vault: never in an output, only into secure module parameters", () => {
    for (const { where, template } of templates) {
      const secure = secureParameters(template);
      for (const name of secure) {
        expect(JSON.stringify(template.outputs ?? {}), `${where}: an output uses ${name}`).not.toContain(`parameters('${name}')`);
      }
      // A module parameter fed from a secure value must be secure itself; only "is it set" may leave as a bool.
      for (const m of modules.filter((x) => x.template === template)) {
        for (const [target, given] of Object.entries(m.parameters)) {
          for (const name of secure.filter((s) => expressions(given).some((e) => e.includes(`parameters('${s}')`)))) {
            const targetType = m.inner.parameters?.[target]?.type;
            if (targetType === "securestring") expect(given.value).toBe(`[parameters('${name}')]`);
            else expect(given.value, `${where}: module ${m.symbol} gets ${name} in ${target}`).toBe(`[not(empty(parameters('${name}')))]`);
          }
        }
      }
    }
  });

  it("keeps the secrets in Key Vault secrets, read only from secure parameters that azd maps from its environment", () => {
    const vault = module("keyVault");
    const secrets = ofType(vault.inner, "Microsoft.KeyVault/vaults/secrets").map((s) => [s.properties?.value, s.condition]);
    expect(secrets).toEqual([
      ["[parameters('teamsWebhookUrl')]", "[parameters('hasTeamsWebhook')]"],
      ["[parameters('botAppPassword')]", "[parameters('hasBotAppPassword')]"],
    ]);
    for (const name of ["teamsWebhookUrl", "botAppPassword"]) {
      expect(vault.inner.parameters?.[name]?.type).toBe("securestring");
      expect(main.parameters?.[name]?.type).toBe("securestring");
      expect(vault.parameters[name]?.value).toBe(`[parameters('${name}')]`);
      expect(parametersFile.parameters[name]?.value).toMatch(/^\$\{\w+=?\}$/);
    }
  });
});

// ---------------------------------------------------------------------------------------------
// (d) modules

describe("infra: modules", () => {
  it("main.bicep deploys the app's modules, each one of the compiled infra/app modules", () => {
    const top = modules.filter((m) => m.path.length === 0);
    expect(top.map((m) => `${m.symbol}: ${sourceOf(m)}`).sort()).toEqual(
      ["clusterTopic", "eventGrid", "eventGridIdentity", "eventsResourceGroup", "functionApp", "keyVault", "monitoring", "roleAssignments", "storage", "subscriptionRoles"].map(
        (name) => `${name}: app/${name}.bicep`,
      ),
    );
    // Every module in infra/app is compiled, and deployed by main.bicep.
    const used = new Set(top.map(sourceOf));
    for (const source of bicepSources.filter((name) => name.startsWith("app"))) expect(used, source).toContain(source.replaceAll("\\", "/"));
  });

  it("passes every module every parameter it requires, and nothing it does not declare", () => {
    expect(modules.length).toBeGreaterThan(5);
    for (const m of modules) {
      const declared = Object.entries(m.inner.parameters ?? {});
      for (const [name, p] of declared) {
        if (!("defaultValue" in p) && !p.nullable) expect(Object.keys(m.parameters), `module ${m.symbol} does not get ${name}`).toContain(name);
      }
      for (const name of Object.keys(m.parameters)) expect(declared.map(([n]) => n), `module ${m.symbol} gets ${name}, which it does not declare`).toContain(name);
    }
  });

  it("deploys each module at its own target scope: resource groups in a resource group, subscription modules at a subscription", () => {
    expect(main.$schema).toContain("subscriptionDeploymentTemplate.json");
    for (const m of modules.filter((x) => x.path.length === 0)) {
      if (m.inner.$schema.includes("subscriptionDeploymentTemplate.json")) {
        expect(m.resource.resourceGroup, m.symbol).toBeUndefined();
        expect(m.resource.location, m.symbol).toBeDefined();
      } else {
        expect(m.inner.$schema, m.symbol).toContain("/deploymentTemplate.json");
        expect(m.resource.resourceGroup, m.symbol).toBeDefined();
      }
    }
    for (const name of ["storage", "monitoring", "keyVault", "functionApp", "eventGridIdentity", "roleAssignments"]) {
      expect(module(name).resource.resourceGroup).toBe("[variables('resourceGroupName')]");
    }
    expect(module("eventGrid").resource).toMatchObject({ subscriptionId: "[variables('monitoredSubscriptionIds')[copyIndex()]]", resourceGroup: "[variables('topicsResourceGroupName')]" });
    expect(module("clusterTopic").resource).toMatchObject({
      subscriptionId: "[parameters('clusterTopics')[copyIndex()].subscriptionId]",
      resourceGroup: "[parameters('clusterTopics')[copyIndex()].resourceGroup]",
    });
  });

  it("creates the Event Grid resources only with subscribeEvents (the function must exist first)", () => {
    for (const name of ["eventsResourceGroup", "eventGrid", "clusterTopic"]) expect(module(name).resource.condition).toBe("[parameters('subscribeEvents')]");
    for (const m of modules.filter((x) => x.path.length === 0 && !["eventsResourceGroup", "eventGrid", "clusterTopic"].includes(x.symbol))) expect(m.resource.condition, m.symbol).toBeUndefined();
  });

  it("main.parameters.json maps every parameter of main.bicep, and only those", () => {
    const declared = Object.keys(main.parameters ?? {});
    expect(Object.keys(parametersFile.parameters).sort()).toEqual([...declared].sort());
    expect(parametersFile.parameters.environmentName?.value).toBe("${AZURE_ENV_NAME}");
    expect(parametersFile.parameters.location?.value).toBe("${AZURE_LOCATION}");
    expect(parametersFile.parameters.monitoredSubscriptions?.value).toMatch(/^\$\{MONITOR_SUBSCRIPTIONS=?\}$/);
    // azd passes an unset variable as '': a string parameter mapped to one must default to '' (or the
    // '' would replace its default).
    for (const [name, p] of Object.entries(main.parameters ?? {})) {
      const mapped = parametersFile.parameters[name]?.value;
      if (typeof mapped === "string" && /^\$\{\w+=?\}$/.test(mapped) && p.type.toLowerCase().endsWith("string") && p.defaultValue !== undefined) expect(p.defaultValue, name).toBe("");
    }
  });

  it("subscribes the clusterEvents function to the topics, with retries and dead-lettering", () => {
    const eventGrid = module("eventGrid").inner;
    const cluster = module("clusterTopic").inner;
    expect(ofType(eventGrid, "Microsoft.EventGrid/systemTopics").map((t) => t.properties?.topicType)).toEqual([
      "Microsoft.Resources.Subscriptions",
      "microsoft.resourcenotifications.resources",
      "microsoft.resourcenotifications.containerserviceeventresources",
    ]);
    expect(JSON.stringify(eventGrid.resources)).toContain(
      JSON.stringify(["managedClusters/write", "managedClusters/delete", "managedClusters/agentPools/write", "managedClusters/agentPools/delete"].map((o) => `Microsoft.ContainerService/${o}`)),
    );
    expect(only(cluster, "Microsoft.EventGrid/systemTopics").properties?.topicType).toBe("Microsoft.ContainerService.ManagedClusters");
    const aksEvents = ["NewKubernetesVersionAvailable", "ClusterSupportEnding", "ClusterSupportEnded", "NodePoolRollingStarted", "NodePoolRollingSucceeded", "NodePoolRollingFailed"];
    expect((only(cluster, "Microsoft.EventGrid/systemTopics/eventSubscriptions").properties?.filter as Record<string, Json>).includedEventTypes).toEqual(
      aksEvents.map((name) => `Microsoft.ContainerService.${name}`),
    );
    const functionId =
      "[extensionResourceId(format('/subscriptions/{0}/resourceGroups/{1}', parameters('functionAppSubscriptionId'), parameters('functionAppResourceGroup')), 'Microsoft.Web/sites/functions', parameters('functionAppName'), parameters('functionName'))]";
    for (const [name, template] of [["eventGrid", eventGrid], ["clusterTopic", cluster]] as const) {
      const subscriptions = ofType(template, "Microsoft.EventGrid/systemTopics/eventSubscriptions");
      expect(subscriptions.length).toBeGreaterThan(0);
      for (const s of subscriptions) {
        const destination = resolveVar(template, s.properties?.destination) as { endpointType: string; properties: Record<string, Json> };
        // Delivered to the function itself (no webhook URL, so no function key in the template).
        expect(destination.endpointType).toBe("AzureFunction");
        expect(destination.properties.resourceId).toBe(functionId);
        expect(destination.properties.maxEventsPerBatch).toBe(1);
        expect(resolveVar(template, s.properties?.retryPolicy)).toEqual({
          maxDeliveryAttempts: "[parameters('maxDeliveryAttempts')]",
          eventTimeToLiveInMinutes: "[parameters('eventTimeToLiveInMinutes')]",
        });
        expect(resolveVar(template, s.properties?.deadLetterWithResourceIdentity)).toMatchObject({
          identity: { type: "UserAssigned", userAssignedIdentity: "[parameters('eventGridIdentityId')]" },
          deadLetterDestination: { endpointType: "StorageBlob" },
        });
      }
      expect(JSON.stringify(template)).not.toMatch(/"endpointType":"WebHook"/i);
      expect(template.parameters?.functionName?.defaultValue).toBe("clusterEvents");
      // ... of the app main.bicep deploys.
      const use = module(name).parameters;
      expect(use.functionAppName?.value).toBe(functionApp.parameters.name?.value);
      expect(use.functionAppResourceGroup?.value).toBe(functionApp.resource.resourceGroup);
      expect(use.eventGridIdentityId?.value).toBe("[reference('eventGridIdentity').outputs.id.value]");
      expect(use.deadLetterContainerName?.value).toBe("[variables('deadLetterContainerName')]");
    }
  });
});

// ---------------------------------------------------------------------------------------------
// (e) azure.yaml

describe("azure.yaml", () => {
  const azure = parseYaml(readFileSync(join(root, "azure.yaml"), "utf8")) as {
    name: string;
    infra?: { provider?: string; path?: string; module?: string };
    services: Record<string, { project: string; dist?: string; language: string; host: string; hooks?: Record<string, Record<string, { shell: string; run: string }>> }>;
    hooks?: Record<string, Record<string, { shell: string; run: string }>>;
  };

  it("names the function project for azd, and the Bicep it provisions", () => {
    expect(azure.name).toBe("aksmon");
    const { hooks, ...api } = azure.services.api!;
    expect(api).toEqual({ project: ".", dist: "dist/package", language: "js", host: "function" });
    // azd uploads dist/package, which the prepackage hook builds (and checks) with the script the package test runs.
    for (const shell of ["posix", "windows"]) expect(hooks?.prepackage?.[shell]?.run).toBe("node scripts/package.mjs --verify");
    // Every project-level hook runs on both kinds of machine.
    for (const [name, hook] of Object.entries(azure.hooks ?? {})) expect(Object.keys(hook).sort(), name).toEqual(["posix", "windows"]);
    expect(existsSync(join(root, azure.services.api!.project, "host.json"))).toBe(true);
    expect(azure.infra).toEqual({ provider: "bicep", path: "infra", module: "main" });
    expect(relative(built, mainJson)).toBe(`${azure.infra!.module}.json`);
    const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { scripts: Record<string, string> };
    expect(pkg.scripts.build).toBeTruthy();
  });

  it("tags the Function App so azd finds service api, and outputs what azd and the README use", () => {
    expect(functionApp.parameters.tags?.value).toBe("[union(variables('tags'), createObject('azd-service-name', 'api'))]");
    expect(site.tags).toBe("[parameters('tags')]");
    expect(main.variables?.tags).toEqual({ "azd-env-name": "[parameters('environmentName')]" });
    for (const name of ["AZURE_LOCATION", "AZURE_TENANT_ID", "AZURE_RESOURCE_GROUP", "AZURE_FUNCTION_APP_NAME", "AZURE_FUNCTION_APP_ID", "AZURE_EVENTGRID_IDENTITY_ID"]) {
      expect(main.outputs, name).toHaveProperty(name);
    }
  });
});
