// The Function App: Flex Consumption (FC1) on Linux, Node.js (22 by default), a system-assigned identity, code
// deployed to a blob container read with that identity, and every app setting production needs.
// No keys or secrets appear here: storage is reached through the identity, and the webhook URL and
// the bot secret are Key Vault references.
param name string
param planName string
param location string
@description('Tags of every resource (azd-env-name, and azd-service-name on the app).')
param tags { *: string } = {}

param storageAccountName string
@description('URL of the blob container Flex Consumption deploys the package to.')
param deploymentContainerUrl string
param applicationInsightsConnectionString string

param maximumInstanceCount int = 100
@allowed([512, 2048, 4096])
param instanceMemoryMB int = 2048
@description('Node.js major version of the Flex Consumption runtime (functionAppConfig.runtime.version).')
@allowed(['22', '24'])
param nodeVersion string = '22'

// Product settings (shared/config/settings.ts).
param monitoredSubscriptionIds string[]
@description('Versionless Key Vault secret URI of the Teams webhook; empty for none.')
param teamsWebhookSecretUri string = ''
param botAppId string = ''
@description('Versionless Key Vault secret URI of the bot\'s client secret; empty for none.')
param botSecretUri string = ''
param readNodes bool = false
param alertMinSeverity string = 'medium'
param alertCooldownMinutes int = 10
param flapWindowHours int = 24
param flapThreshold int = 3
param eventSettleSeconds int = 2
param retentionDays int = 90
param sweepSchedule string = '0 0 2 * * *'
param profile string = ''
@description('Entra ID app role a caller of the recheck endpoint must hold (Easy Auth principal); empty: the function key alone.')
param recheckRequiredRole string = ''
@description('Client id of the Entra ID app registration that callers get tokens for (App Service Authentication); required with recheckRequiredRole.')
param apiAuthClientId string = ''
param botAllowedTenants string = ''
param alertConversations string = ''
param snoozeMaxDays int = 7
param snoozeReasonSeverity string = 'critical'
param alertMaxAgeHours int = 48
param sweepDeadlineMinutes int = 120
param auditRetentionDays int = 400

var storageSuffix = environment().suffixes.storage
// environment().resourceManager ends with '/', the setting has none (the code appends paths).
var resourceManager = environment().resourceManager
var resourceManagerEndpoint = endsWith(resourceManager, '/') ? take(resourceManager, max(length(resourceManager) - 1, 0)) : resourceManager

resource plan 'Microsoft.Web/serverfarms@2025-03-01' = {
  name: planName
  location: location
  tags: tags
  kind: 'functionapp'
  sku: {
    name: 'FC1'
    tier: 'FlexConsumption'
  }
  properties: {
    reserved: true
  }
}

resource site 'Microsoft.Web/sites@2025-03-01' = {
  name: name
  location: location
  tags: tags
  kind: 'functionapp,linux'
  identity: { type: 'SystemAssigned' }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    siteConfig: {
      minTlsVersion: '1.2'
      ftpsState: 'Disabled'
      http20Enabled: true
    }
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: deploymentContainerUrl
          authentication: { type: 'SystemAssignedIdentity' }
        }
      }
      scaleAndConcurrency: {
        maximumInstanceCount: maximumInstanceCount
        instanceMemoryMB: instanceMemoryMB
      }
      runtime: {
        name: 'node'
        version: nodeVersion
      }
    }
  }
}

// Flex Consumption sets the worker runtime from functionAppConfig: FUNCTIONS_WORKER_RUNTIME,
// FUNCTIONS_EXTENSION_VERSION and WEBSITE_RUN_FROM_PACKAGE are not allowed as app settings.
var appSettings = {
  // The Functions host's storage, and the product's tables and queues (identity-based connection).
  AzureWebJobsStorage__accountName: storageAccountName
  AzureWebJobsStorage__credential: 'managedidentity'
  AzureWebJobsStorage__blobServiceUri: 'https://${storageAccountName}.blob.${storageSuffix}'
  AzureWebJobsStorage__queueServiceUri: 'https://${storageAccountName}.queue.${storageSuffix}'
  AzureWebJobsStorage__tableServiceUri: 'https://${storageAccountName}.table.${storageSuffix}'
  APPLICATIONINSIGHTS_CONNECTION_STRING: applicationInsightsConnectionString
  // Local authentication is off on the component: the host sends with the system-assigned identity.
  APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'Authorization=AAD'
  MONITOR_SUBSCRIPTIONS: join(monitoredSubscriptionIds, ',')
  AZURE_RESOURCE_MANAGER_ENDPOINT: resourceManagerEndpoint
  TEAMS_WEBHOOK_URL: empty(teamsWebhookSecretUri) ? '' : '@Microsoft.KeyVault(SecretUri=${teamsWebhookSecretUri})'
  AKSMON_READ_NODES: readNodes ? 'true' : 'false'
  AKSMON_PROFILE: profile
  ALERT_MIN_SEVERITY: alertMinSeverity
  ALERT_COOLDOWN_MINUTES: string(alertCooldownMinutes)
  FLAP_WINDOW_HOURS: string(flapWindowHours)
  FLAP_THRESHOLD: string(flapThreshold)
  EVENT_SETTLE_SECONDS: string(eventSettleSeconds)
  RETENTION_DAYS: string(retentionDays)
  SWEEP_SCHEDULE: sweepSchedule
  RECHECK_REQUIRED_ROLE: recheckRequiredRole
  BOT_ALLOWED_TENANTS: botAllowedTenants
  ALERT_CONVERSATIONS: alertConversations
  SNOOZE_MAX_DAYS: string(snoozeMaxDays)
  SNOOZE_REASON_SEVERITY: snoozeReasonSeverity
  ALERT_MAX_AGE_HOURS: string(alertMaxAgeHours)
  SWEEP_DEADLINE_MINUTES: string(sweepDeadlineMinutes)
  AUDIT_RETENTION_DAYS: string(auditRetentionDays)
}

// The Teams bot (Bot Framework's own setting names), single-tenant, secret from Key Vault; only with a bot.
var botSettings = {
  MicrosoftAppId: botAppId
  MicrosoftAppType: 'SingleTenant'
  MicrosoftAppTenantId: tenant().tenantId
  MicrosoftAppPassword: empty(botSecretUri) ? '' : '@Microsoft.KeyVault(SecretUri=${botSecretUri})'
}

// App Service Authentication whenever a recheck role is set: the role is read from the platform's
// x-ms-client-principal header, which only the platform can set once authentication is on (without it a
// caller holding the function key could forge the header and its role). Tokens of the API's app
// registration are required for the HTTP API; /api/messages (the Bot Framework signs its own JWT, which
// the bot checks), /api/health (probes) and the Event Grid extension's webhook (keyed) are left out.
resource authentication 'Microsoft.Web/sites/config@2025-03-01' = if (!empty(recheckRequiredRole)) {
  parent: site
  name: 'authsettingsV2'
  properties: {
    platform: { enabled: true }
    globalValidation: {
      requireAuthentication: true
      unauthenticatedClientAction: 'Return401'
      excludedPaths: ['/api/messages', '/api/health', '/runtime/webhooks/eventgrid']
    }
    identityProviders: {
      azureActiveDirectory: {
        enabled: true
        registration: {
          clientId: apiAuthClientId
          openIdIssuer: '${environment().authentication.loginEndpoint}${tenant().tenantId}/v2.0'
        }
        validation: {
          allowedAudiences: ['api://${apiAuthClientId}', apiAuthClientId]
        }
      }
    }
    login: { tokenStore: { enabled: false } }
  }
}

// No basic (user name and password) publishing: Flex Consumption deploys from the blob container with
// the identity, and nobody needs SCM or FTP credentials.
resource scmBasicAuth 'Microsoft.Web/sites/basicPublishingCredentialsPolicies@2025-03-01' = {
  parent: site
  name: 'scm'
  properties: { allow: false }
}

resource ftpBasicAuth 'Microsoft.Web/sites/basicPublishingCredentialsPolicies@2025-03-01' = {
  parent: site
  name: 'ftp'
  properties: { allow: false }
}

resource settings 'Microsoft.Web/sites/config@2025-03-01' = {
  parent: site
  name: 'appsettings'
  properties: union(appSettings, empty(botAppId) ? {} : botSettings)
}

output id string = site.id
output name string = site.name
output defaultHostName string = site.properties.defaultHostName
output principalId string = site.identity.principalId
output clusterEventsFunctionId string = '${site.id}/functions/clusterEvents'
