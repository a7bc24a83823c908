// aksmon: the whole deployment.
//
// Subscription scope, because one deployment has to reach several subscriptions: it creates the
// app's resource group, grants Reader (and, for node reading, the AKS roles) on every monitored
// subscription, and places the Event Grid system topics of each monitored subscription in a resource
// group of that subscription (a subscription's system topic lives in that subscription). It is also
// what `azd up` expects (it passes environmentName and location).
targetScope = 'subscription'

@minLength(1)
@maxLength(64)
@description('Name of the azd environment; names and tags every resource.')
param environmentName string

@minLength(1)
@description('Region of the app, its storage, vault and monitoring.')
param location string

@description('Comma-separated ids of the subscriptions to monitor (MONITOR_SUBSCRIPTIONS). Empty: the deployment subscription.')
param monitoredSubscriptions string = ''

@secure()
@description('Teams Workflows webhook (https) that receives the alert cards; kept in Key Vault. Empty: cards are only logged.')
param teamsWebhookUrl string = ''

@description('Optional Teams bot: its Entra ID app (client) id. Empty: no bot settings.')
param botAppId string = ''

@secure()
@description('Optional Teams bot: its client secret; kept in Key Vault.')
param botAppPassword string = ''

@description('Read nodes from each cluster\'s Kubernetes API (AKSMON_READ_NODES); grants the two AKS roles when true.')
param readNodes bool = false

@allowed(['critical', 'high', 'medium', 'low', 'info'])
@description('Transitions below this severity are recorded, not alerted (ALERT_MIN_SEVERITY).')
param alertMinSeverity string = 'medium'

@minValue(0)
@maxValue(1440)
param alertCooldownMinutes int = 10

@minValue(1)
@maxValue(720)
param flapWindowHours int = 24

@minValue(2)
@maxValue(20)
param flapThreshold int = 3

@description('Seconds the first event of a burst waits before the cluster is read, so that the burst gives one evaluation.')
@minValue(0)
@maxValue(30)
param eventSettleSeconds int = 2

@minValue(1)
param retentionDays int = 90

@description('NCRONTAB (six fields, UTC) of the nightly sweep.')
param sweepSchedule string = '0 0 2 * * *'

@description('Optional path, inside the deployed package, of a baseline profile (AKSMON_PROFILE). Empty: the built-in baseline.')
param profile string = ''

@description('Create the Event Grid subscriptions. They point at the clusterEvents function, which must be deployed first: azure.yaml\'s postdeploy hook provisions again with this set.')
param subscribeEvents bool = false

@description('Resource group, in each monitored subscription, that holds that subscription\'s Event Grid system topics. Empty: rg-aksmon-events-<environmentName>.')
param eventsResourceGroupName string = ''

@description('A cluster that gets its own Microsoft.ContainerService system topic.')
type clusterTopicTarget = {
  @description('Subscription id of the cluster.')
  subscriptionId: string
  @description('Resource group of the cluster.')
  resourceGroup: string
  @description('Name of the cluster.')
  name: string
  @description('Region of the cluster (its system topic lives there).')
  location: string
}

@description('Clusters that get a Microsoft.ContainerService system topic: [{ subscriptionId, resourceGroup, name, location }].')
param clusterTopics clusterTopicTarget[] = []

@description('Maximum instances of the Flex Consumption app.')
param maximumInstanceCount int = 100

@allowed([512, 2048, 4096])
param instanceMemoryMB int = 2048

@description('Node.js major version of the Function App (Flex Consumption). 22 is GA; 24 was in preview when this was written.')
@allowed(['22', '24'])
param nodeVersion string = '22'

@description('Entra ID app role a caller of the recheck endpoint must hold (RECHECK_REQUIRED_ROLE). Empty: the function key alone.')
param recheckRequiredRole string = ''

@description('Client id of the Entra ID app registration whose tokens the HTTP API requires (App Service Authentication, deployed whenever recheckRequiredRole is set).')
param apiAuthClientId string = ''

@description('Tenants whose users may act through the bot (BOT_ALLOWED_TENANTS, comma-separated). Empty: the bot\'s own tenant.')
param botAllowedTenants string = ''

@description('Teams conversation ids that receive alerts (ALERT_CONVERSATIONS, comma-separated). Empty: alerts go to the webhook only.')
param alertConversations string = ''

@minValue(1)
@maxValue(90)
param snoozeMaxDays int = 7

@allowed(['critical', 'high', 'medium', 'low', 'info'])
param snoozeReasonSeverity string = 'critical'

@description('Hours an undelivered alert is retried before it is dead (ALERT_MAX_AGE_HOURS).')
@minValue(1)
@maxValue(720)
param alertMaxAgeHours int = 48

@description('Minutes after its start by which a sweep sends its digest (SWEEP_DEADLINE_MINUTES).')
@minValue(5)
@maxValue(1440)
param sweepDeadlineMinutes int = 120

@minValue(1)
param auditRetentionDays int = 400

var tags = { 'azd-env-name': environmentName }
var resourceToken = toLower(uniqueString(subscription().id, environmentName, location))
var monitoredSubscriptionIds = empty(trim(monitoredSubscriptions))
  ? [subscription().subscriptionId]
  : map(split(monitoredSubscriptions, ','), id => trim(id))
var deadLetterContainerName = 'eventgrid-deadletter'
// Names known before the deployment starts, passed to the modules that name or scope resources by
// them (not the modules' outputs), so that what-if can predict those resources.
var resourceGroupName = 'rg-aksmon-${environmentName}'
var storageAccountName = 'st${resourceToken}'
var keyVaultName = 'kv-${resourceToken}'
var applicationInsightsName = 'appi-${resourceToken}'
var functionAppName = 'func-${resourceToken}'
// The parameter defaults to '' rather than to this expression: azd passes an unset variable as ''.
var topicsResourceGroupName = empty(eventsResourceGroupName) ? 'rg-aksmon-events-${environmentName}' : eventsResourceGroupName
// What the app's identity may touch in its storage account, created here and granted one by one
// (never the whole account). The tables are the product's (shared/store/tables.ts TABLE_KINDS, prefix
// 'aksmon'; the infra test holds the two lists equal); the queues are the sweep's fan-out and its
// poison queue; the containers are the Functions host's (timer and singleton leases, function keys).
var productTables = ['aksmonclusters', 'aksmonfindings', 'aksmonevaluations', 'aksmonevents', 'aksmonoutbox', 'aksmonsuppressions', 'aksmonconversations', 'aksmonaudit']
var productQueues = ['aksmon-evaluate', 'aksmon-evaluate-poison']
var hostContainers = ['azure-webjobs-hosts', 'azure-webjobs-secrets']

resource rg 'Microsoft.Resources/resourceGroups@2025-04-01' = {
  name: resourceGroupName
  location: location
  tags: tags
}

module storage 'app/storage.bicep' = {
  name: 'storage'
  scope: rg
  params: {
    name: storageAccountName
    location: location
    tags: tags
    deploymentContainerName: 'app-package-${resourceToken}'
    deadLetterContainerName: deadLetterContainerName
    hostContainerNames: hostContainers
    tableNames: productTables
    queueNames: productQueues
  }
}

module monitoring 'app/monitoring.bicep' = {
  name: 'monitoring'
  scope: rg
  params: {
    logAnalyticsName: 'log-${resourceToken}'
    applicationInsightsName: applicationInsightsName
    location: location
    tags: tags
  }
}

module keyVault 'app/keyVault.bicep' = {
  name: 'keyVault'
  scope: rg
  params: {
    name: keyVaultName
    location: location
    tags: tags
    teamsWebhookUrl: teamsWebhookUrl
    botAppPassword: botAppPassword
    hasTeamsWebhook: !empty(teamsWebhookUrl)
    hasBotAppPassword: !empty(botAppPassword)
  }
}

module functionApp 'app/functionApp.bicep' = {
  name: 'functionApp'
  scope: rg
  params: {
    name: functionAppName
    planName: 'plan-${resourceToken}'
    location: location
    tags: union(tags, { 'azd-service-name': 'api' })
    storageAccountName: storage.outputs.name
    deploymentContainerUrl: storage.outputs.deploymentContainerUrl
    applicationInsightsConnectionString: monitoring.outputs.connectionString
    maximumInstanceCount: maximumInstanceCount
    instanceMemoryMB: instanceMemoryMB
    nodeVersion: nodeVersion
    monitoredSubscriptionIds: monitoredSubscriptionIds
    teamsWebhookSecretUri: keyVault.outputs.teamsWebhookSecretUri
    botAppId: botAppId
    botSecretUri: keyVault.outputs.botSecretUri
    readNodes: readNodes
    alertMinSeverity: alertMinSeverity
    alertCooldownMinutes: alertCooldownMinutes
    flapWindowHours: flapWindowHours
    flapThreshold: flapThreshold
    eventSettleSeconds: eventSettleSeconds
    retentionDays: retentionDays
    sweepSchedule: sweepSchedule
    profile: profile
    recheckRequiredRole: recheckRequiredRole
    apiAuthClientId: apiAuthClientId
    botAllowedTenants: botAllowedTenants
    alertConversations: alertConversations
    snoozeMaxDays: snoozeMaxDays
    snoozeReasonSeverity: snoozeReasonSeverity
    alertMaxAgeHours: alertMaxAgeHours
    sweepDeadlineMinutes: sweepDeadlineMinutes
    auditRetentionDays: auditRetentionDays
  }
}

module eventGridIdentity 'app/eventGridIdentity.bicep' = {
  name: 'eventGridIdentity'
  scope: rg
  params: {
    name: 'id-eventgrid-${resourceToken}'
    location: location
    tags: tags
  }
}

// The app's own resources: storage (host and product tables and queues, the Flex deployment
// container), the vault's secrets, and the Event Grid identity's dead-letter container.
//
// Documented linter exception (what-if-short-circuiting, here and in subscriptionRoles): a role
// assignment is named guid(scope, principalId, roleId), and a principal id exists only once its
// identity is created. Naming by something known earlier would make a recreated identity collide
// with its predecessor's assignment (RoleAssignmentUpdateNotPermitted). What-if therefore shows these
// assignments as unpredictable.
module roleAssignments 'app/roleAssignments.bicep' = {
  name: 'roleAssignments'
  scope: rg
  params: {
    #disable-next-line what-if-short-circuiting
    principalId: functionApp.outputs.principalId
    storageAccountName: storageAccountName
    keyVaultName: keyVaultName
    #disable-next-line what-if-short-circuiting
    eventGridPrincipalId: eventGridIdentity.outputs.principalId
    deadLetterContainerName: deadLetterContainerName
    applicationInsightsName: applicationInsightsName
    deploymentContainerName: 'app-package-${resourceToken}'
    hostContainerNames: hostContainers
    tableNames: productTables
    queueNames: productQueues
  }
}

// Reader on every monitored subscription; the AKS roles only when nodes are read.
module subscriptionRoles 'app/subscriptionRoles.bicep' = [for subscriptionId in monitoredSubscriptionIds: {
  name: 'aksmon-roles-${uniqueString(environmentName, subscriptionId)}'
  scope: subscription(subscriptionId)
  params: {
    #disable-next-line what-if-short-circuiting
    principalId: functionApp.outputs.principalId
    readNodes: readNodes
  }
}]

module eventsResourceGroup 'app/eventsResourceGroup.bicep' = [for subscriptionId in monitoredSubscriptionIds: if (subscribeEvents) {
  name: 'aksmon-events-rg-${uniqueString(environmentName, subscriptionId)}'
  scope: subscription(subscriptionId)
  params: {
    name: topicsResourceGroupName
    location: location
    tags: tags
  }
}]

module eventGrid 'app/eventGrid.bicep' = [for subscriptionId in monitoredSubscriptionIds: if (subscribeEvents) {
  name: 'aksmon-events-${uniqueString(environmentName, subscriptionId)}'
  scope: resourceGroup(subscriptionId, topicsResourceGroupName)
  dependsOn: [eventsResourceGroup, functionApp, roleAssignments]
  params: {
    subscriptionId: subscriptionId
    nameSuffix: resourceToken
    tags: tags
    functionAppName: functionAppName
    functionAppResourceGroup: resourceGroupName
    functionAppSubscriptionId: subscription().subscriptionId
    eventGridIdentityId: eventGridIdentity.outputs.id
    deadLetterStorageAccountId: storage.outputs.id
    deadLetterContainerName: deadLetterContainerName
  }
}]

module clusterTopic 'app/clusterTopic.bicep' = [for cluster in clusterTopics: if (subscribeEvents) {
  name: 'aksmon-cluster-${uniqueString(environmentName, cluster.subscriptionId, cluster.resourceGroup, cluster.name)}'
  scope: resourceGroup(cluster.subscriptionId, cluster.resourceGroup)
  dependsOn: [functionApp, roleAssignments]
  params: {
    clusterName: cluster.name
    location: cluster.location
    tags: tags
    functionAppName: functionAppName
    functionAppResourceGroup: resourceGroupName
    functionAppSubscriptionId: subscription().subscriptionId
    eventGridIdentityId: eventGridIdentity.outputs.id
    deadLetterStorageAccountId: storage.outputs.id
    deadLetterContainerName: deadLetterContainerName
  }
}]

output AZURE_LOCATION string = location
output AZURE_TENANT_ID string = tenant().tenantId
output AZURE_RESOURCE_GROUP string = rg.name
output AZURE_FUNCTION_APP_NAME string = functionApp.outputs.name
output AZURE_FUNCTION_APP_ID string = functionApp.outputs.id
output AZURE_STORAGE_ACCOUNT_NAME string = storage.outputs.name
output AZURE_KEY_VAULT_NAME string = keyVault.outputs.name
output AZURE_EVENTGRID_IDENTITY_ID string = eventGridIdentity.outputs.id
output SERVICE_API_ENDPOINT string = 'https://${functionApp.outputs.defaultHostName}'
