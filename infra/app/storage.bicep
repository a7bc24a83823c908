// The storage account: the Functions host (AzureWebJobsStorage), the product's tables and queues, the
// Flex Consumption deployment container and the Event Grid dead-letter container. Reached only
// through Entra ID (managed identities): shared keys are off, so no key or connection string exists
// to leak.
param name string
param location string
@description('Tags of every resource (azd-env-name, and azd-service-name on the app).')
param tags { *: string } = {}
param deploymentContainerName string
param deadLetterContainerName string
@description('The Functions host\'s containers, created here so that the app needs no right to create containers.')
param hostContainerNames string[]
@description('The product\'s tables, created here so that the app\'s identity is granted each table, not the account.')
param tableNames string[]
@description('The product\'s queues (the sweep\'s fan-out and its poison queue).')
param queueNames string[]

resource account 'Microsoft.Storage/storageAccounts@2026-09-01' = {
  name: name
  location: location
  tags: tags
  kind: 'StorageV2'
  sku: { name: 'Standard_LRS' }
  properties: {
    accessTier: 'Hot'
    allowSharedKeyAccess: false
    defaultToOAuthAuthentication: true
    allowBlobPublicAccess: false
    allowCrossTenantReplication: false
    minimumTlsVersion: 'TLS1_2'
    supportsHttpsTrafficOnly: true
    // Exception: the Functions host and the app reach this account over its public endpoint (a Flex
    // Consumption app without VNet integration; the "AzureServices" bypass does not cover it), so
    // defaultAction Deny would stop the app. Shared keys are off: every request needs an Entra ID token.
    publicNetworkAccess: 'Enabled'
    networkAcls: {
      bypass: 'AzureServices'
      defaultAction: 'Allow'
    }
  }
}

resource blobService 'Microsoft.Storage/storageAccounts/blobServices@2026-09-01' = {
  parent: account
  name: 'default'
  properties: {
    deleteRetentionPolicy: { enabled: true, days: 7 }
  }
}

resource deploymentContainer 'Microsoft.Storage/storageAccounts/blobServices/containers@2026-09-01' = {
  parent: blobService
  name: deploymentContainerName
  properties: { publicAccess: 'None' }
}

resource deadLetterContainer 'Microsoft.Storage/storageAccounts/blobServices/containers@2026-09-01' = {
  parent: blobService
  name: deadLetterContainerName
  properties: { publicAccess: 'None' }
}

resource hostContainers 'Microsoft.Storage/storageAccounts/blobServices/containers@2026-09-01' = [for container in hostContainerNames: {
  parent: blobService
  name: container
  properties: { publicAccess: 'None' }
}]

resource tableService 'Microsoft.Storage/storageAccounts/tableServices@2026-09-01' = {
  parent: account
  name: 'default'
}

resource tables 'Microsoft.Storage/storageAccounts/tableServices/tables@2026-09-01' = [for table in tableNames: {
  parent: tableService
  name: table
}]

resource queueService 'Microsoft.Storage/storageAccounts/queueServices@2026-09-01' = {
  parent: account
  name: 'default'
}

resource queues 'Microsoft.Storage/storageAccounts/queueServices/queues@2026-09-01' = [for queue in queueNames: {
  parent: queueService
  name: queue
}]

output id string = account.id
output name string = account.name
output blobEndpoint string = account.properties.primaryEndpoints.blob
output deploymentContainerUrl string = '${account.properties.primaryEndpoints.blob}${deploymentContainer.name}'
