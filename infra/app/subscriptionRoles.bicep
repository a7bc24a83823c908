// Roles on one monitored subscription, for the Function App's identity. Deployed from main.bicep
// with scope: subscription(id), once per monitored subscription. Names: guid(scope, principalId, roleId).
targetScope = 'subscription'

param principalId string
@description('Also grant the two AKS roles node reading needs (AKSMON_READ_NODES).')
param readNodes bool = false

var roles = {
  // Reader: clusters, node pools, upgrade profiles, maintenance configurations, diagnostic settings,
  // Defender plan and assessments, Resource Graph.
  reader: 'acdd72a7-3385-48ef-bd42-f606fba81ae7'
  // Azure Kubernetes Service Cluster User Role: the cluster's API address and CA (listClusterUserCredential).
  aksClusterUser: '4abbcc35-e782-43d8-92c5-2d3f1bd2253f'
  // Azure Kubernetes Service RBAC Reader: list nodes through the Kubernetes API (clusters with Azure RBAC).
  aksRbacReader: '7f6c6a51-bcf8-42ba-9220-52d62157d7db'
}

var scopeId = subscription().id

resource reader 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(scopeId, principalId, roles.reader)
  properties: {
    principalId: principalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.reader)
  }
}

resource aksClusterUser 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (readNodes) {
  name: guid(scopeId, principalId, roles.aksClusterUser)
  properties: {
    principalId: principalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.aksClusterUser)
  }
}

resource aksRbacReader 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (readNodes) {
  name: guid(scopeId, principalId, roles.aksRbacReader)
  properties: {
    principalId: principalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.aksRbacReader)
  }
}
