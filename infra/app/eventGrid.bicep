// Event Grid for one monitored subscription, deployed into a resource group of that subscription:
// - the Azure subscription's system topic (Microsoft.Resources.Subscriptions), filtered to writes and
//   deletes of managed clusters and agent pools: who changed what;
// - the Azure Resource Notifications topics: Microsoft.ResourceNotifications.Resources (the whole
//   cluster resource after each change) and Microsoft.ResourceNotifications.ContainerServiceEventResources
//   (AKS maintenance scheduled / started / completed / failed).
// Every subscription delivers to the clusterEvents function, retries, and dead-letters what it could
// not deliver into the app's storage account through the Event Grid identity.
param subscriptionId string
param nameSuffix string
@description('Tags of every resource (azd-env-name, and azd-service-name on the app).')
param tags { *: string } = {}
@description('The Function App that receives the events (the clusterEvents function is under it): its name, resource group and subscription.')
param functionAppName string
param functionAppResourceGroup string
param functionAppSubscriptionId string
@description('Resource id of the user-assigned identity the topics use to dead-letter.')
param eventGridIdentityId string
param deadLetterStorageAccountId string
param deadLetterContainerName string
param functionName string = 'clusterEvents'
param maxDeliveryAttempts int = 30
param eventTimeToLiveInMinutes int = 1440

resource functionApp 'Microsoft.Web/sites@2025-03-01' existing = {
  name: functionAppName
  scope: resourceGroup(functionAppSubscriptionId, functionAppResourceGroup)
}

resource clusterEvents 'Microsoft.Web/sites/functions@2025-03-01' existing = {
  parent: functionApp
  name: functionName
}

var source = '/subscriptions/${subscriptionId}'
var identity = {
  type: 'UserAssigned'
  userAssignedIdentities: { '${eventGridIdentityId}': {} }
}
var destination = {
  endpointType: 'AzureFunction'
  properties: {
    resourceId: clusterEvents.id
    maxEventsPerBatch: 1
    preferredBatchSizeInKilobytes: 64
  }
}
var retryPolicy = {
  maxDeliveryAttempts: maxDeliveryAttempts
  eventTimeToLiveInMinutes: eventTimeToLiveInMinutes
}
var deadLetterWithResourceIdentity = {
  identity: {
    type: 'UserAssigned'
    userAssignedIdentity: eventGridIdentityId
  }
  deadLetterDestination: {
    endpointType: 'StorageBlob'
    properties: {
      resourceId: deadLetterStorageAccountId
      blobContainerName: deadLetterContainerName
    }
  }
}

resource armTopic 'Microsoft.EventGrid/systemTopics@2025-02-15' = {
  name: 'aksmon-arm-${nameSuffix}'
  location: 'global'
  tags: tags
  identity: identity
  properties: {
    source: source
    topicType: 'Microsoft.Resources.Subscriptions'
  }
}

resource armSubscription 'Microsoft.EventGrid/systemTopics/eventSubscriptions@2025-02-15' = {
  parent: armTopic
  name: 'aksmon-cluster-writes'
  properties: {
    destination: destination
    eventDeliverySchema: 'EventGridSchema'
    filter: {
      includedEventTypes: [
        'Microsoft.Resources.ResourceWriteSuccess'
        'Microsoft.Resources.ResourceDeleteSuccess'
      ]
      enableAdvancedFilteringOnArrays: true
      advancedFilters: [
        {
          operatorType: 'StringIn'
          key: 'data.operationName'
          values: [
            'Microsoft.ContainerService/managedClusters/write'
            'Microsoft.ContainerService/managedClusters/delete'
            'Microsoft.ContainerService/managedClusters/agentPools/write'
            'Microsoft.ContainerService/managedClusters/agentPools/delete'
          ]
        }
      ]
    }
    retryPolicy: retryPolicy
    deadLetterWithResourceIdentity: deadLetterWithResourceIdentity
  }
}

resource resourcesTopic 'Microsoft.EventGrid/systemTopics@2025-02-15' = {
  name: 'aksmon-arn-resources-${nameSuffix}'
  location: 'global'
  tags: tags
  identity: identity
  properties: {
    source: source
    topicType: 'microsoft.resourcenotifications.resources'
  }
}

resource resourcesSubscription 'Microsoft.EventGrid/systemTopics/eventSubscriptions@2025-02-15' = {
  parent: resourcesTopic
  name: 'aksmon-cluster-resources'
  properties: {
    destination: destination
    eventDeliverySchema: 'EventGridSchema'
    filter: {
      includedEventTypes: [
        'Microsoft.ResourceNotifications.Resources.CreatedOrUpdated'
        'Microsoft.ResourceNotifications.Resources.Deleted'
      ]
      advancedFilters: [
        {
          operatorType: 'StringIn'
          key: 'data.resourceInfo.type'
          values: [
            'Microsoft.ContainerService/managedClusters'
            'Microsoft.ContainerService/managedClusters/agentPools'
          ]
        }
      ]
    }
    retryPolicy: retryPolicy
    deadLetterWithResourceIdentity: deadLetterWithResourceIdentity
  }
}

resource maintenanceTopic 'Microsoft.EventGrid/systemTopics@2025-02-15' = {
  name: 'aksmon-arn-aks-${nameSuffix}'
  location: 'global'
  tags: tags
  identity: identity
  properties: {
    source: source
    topicType: 'microsoft.resourcenotifications.containerserviceeventresources'
  }
}

resource maintenanceSubscription 'Microsoft.EventGrid/systemTopics/eventSubscriptions@2025-02-15' = {
  parent: maintenanceTopic
  name: 'aksmon-cluster-maintenance'
  properties: {
    destination: destination
    eventDeliverySchema: 'EventGridSchema'
    filter: {
      includedEventTypes: [
        'Microsoft.ResourceNotifications.ContainerServiceEventResources.ScheduledEventEmitted'
      ]
      advancedFilters: [
        {
          operatorType: 'StringContains'
          key: 'subject'
          values: [
            '/providers/Microsoft.ContainerService/managedClusters/'
          ]
        }
      ]
    }
    retryPolicy: retryPolicy
    deadLetterWithResourceIdentity: deadLetterWithResourceIdentity
  }
}

output topicIds string[] = [armTopic.id, resourcesTopic.id, maintenanceTopic.id]
