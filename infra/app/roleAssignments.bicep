// Least-privilege data-plane roles on the app's own resources. Each assignment is named
// guid(scope, principalId, roleId), so a redeployment finds it again instead of duplicating it.
// (Reader and the AKS roles on the monitored subscriptions are in subscriptionRoles.bicep.)
param principalId string
param storageAccountName string
param keyVaultName string
@description('Principal of the Event Grid topics\' user-assigned identity (dead-lettering).')
param eventGridPrincipalId string
param deadLetterContainerName string
param applicationInsightsName string
param deploymentContainerName string
param hostContainerNames string[]
param tableNames string[]
param queueNames string[]

var roles = {
  // Storage Table Data Contributor, on each of the product's tables (findings, outbox, events, ...).
  storageTableDataContributor: '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3'
  // Storage Queue Data Contributor, on the sweep's fan-out queue and its poison queue.
  storageQueueDataContributor: '974c5e8b-45b9-4653-ba55-5f855dd0fb88'
  // Key Vault Secrets User: resolve the Key Vault references (webhook URL, bot secret).
  keyVaultSecretsUser: '4633458b-17de-408a-b874-0445c86b69e6'
  // Monitoring Metrics Publisher: send telemetry to Application Insights, whose local auth is off.
  monitoringMetricsPublisher: '3913510d-42f4-4e42-8a64-420c390055eb'
  // Storage Blob Data Contributor: the app's identity on the host's containers (leases, keys) and the
  // Flex deployment container, each one; Event Grid's identity on the dead-letter container only. Not
  // Blob Data Owner: what Owner adds is ACLs and ownership of hierarchical namespaces, which this
  // account does not have, and the containers are created by the deployment, not the app.
  storageBlobDataContributor: 'ba92f5b4-2d11-453d-a403-e96b0029c9fe'
}

resource storageAccount 'Microsoft.Storage/storageAccounts@2026-09-01' existing = {
  name: storageAccountName
}

resource blobService 'Microsoft.Storage/storageAccounts/blobServices@2026-09-01' existing = {
  parent: storageAccount
  name: 'default'
}

resource deadLetterContainer 'Microsoft.Storage/storageAccounts/blobServices/containers@2026-09-01' existing = {
  parent: blobService
  name: deadLetterContainerName
}

resource vault 'Microsoft.KeyVault/vaults@2026-05-15' existing = {
  name: keyVaultName
}

resource tableService 'Microsoft.Storage/storageAccounts/tableServices@2026-09-01' existing = {
  parent: storageAccount
  name: 'default'
}

resource tables 'Microsoft.Storage/storageAccounts/tableServices/tables@2026-09-01' existing = [for table in tableNames: {
  parent: tableService
  name: table
}]

resource tableData 'Microsoft.Authorization/roleAssignments@2022-04-01' = [for (table, i) in tableNames: {
  name: guid(tables[i].id, principalId, roles.storageTableDataContributor)
  scope: tables[i]
  properties: {
    principalId: principalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.storageTableDataContributor)
  }
}]

resource queueService 'Microsoft.Storage/storageAccounts/queueServices@2026-09-01' existing = {
  parent: storageAccount
  name: 'default'
}

resource queues 'Microsoft.Storage/storageAccounts/queueServices/queues@2026-09-01' existing = [for queue in queueNames: {
  parent: queueService
  name: queue
}]

resource queueData 'Microsoft.Authorization/roleAssignments@2022-04-01' = [for (queue, i) in queueNames: {
  name: guid(queues[i].id, principalId, roles.storageQueueDataContributor)
  scope: queues[i]
  properties: {
    principalId: principalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.storageQueueDataContributor)
  }
}]

resource appContainers 'Microsoft.Storage/storageAccounts/blobServices/containers@2026-09-01' existing = [for container in concat(hostContainerNames, [deploymentContainerName]): {
  parent: blobService
  name: container
}]

resource blobData 'Microsoft.Authorization/roleAssignments@2022-04-01' = [for (container, i) in concat(hostContainerNames, [deploymentContainerName]): {
  name: guid(appContainers[i].id, principalId, roles.storageBlobDataContributor)
  scope: appContainers[i]
  properties: {
    principalId: principalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.storageBlobDataContributor)
  }
}]

resource secretsUser 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(vault.id, principalId, roles.keyVaultSecretsUser)
  scope: vault
  properties: {
    principalId: principalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.keyVaultSecretsUser)
  }
}

resource applicationInsights 'Microsoft.Insights/components@2020-02-02' existing = {
  name: applicationInsightsName
}

resource telemetryPublisher 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(applicationInsights.id, principalId, roles.monitoringMetricsPublisher)
  scope: applicationInsights
  properties: {
    principalId: principalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.monitoringMetricsPublisher)
  }
}

resource deadLetterWriter 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(deadLetterContainer.id, eventGridPrincipalId, roles.storageBlobDataContributor)
  scope: deadLetterContainer
  properties: {
    principalId: eventGridPrincipalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.storageBlobDataContributor)
  }
}
