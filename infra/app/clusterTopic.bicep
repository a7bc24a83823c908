// One cluster's Microsoft.ContainerService system topic and its subscription to the six AKS events,
// delivered to the clusterEvents function (same retry and dead-lettering as eventGrid.bicep). Deploy it
// into the cluster's resource group: from main.bicep's clusterTopics parameter, or on its own:
//   az deployment group create -g <cluster-rg> -f infra/app/clusterTopic.bicep \
//     -p clusterName=<name> location=<region> functionAppName=<name> \
//        functionAppResourceGroup=<rg> functionAppSubscriptionId=<id> eventGridIdentityId=<id> \
//        deadLetterStorageAccountId=<id> deadLetterContainerName=eventgrid-deadletter
param clusterName string
@description('The cluster\'s region: a system topic lives in its source\'s region.')
param location string
@description('Tags of every resource (azd-env-name, and azd-service-name on the app).')
param tags { *: string } = {}
@description('The Function App that receives the events: its name, resource group and subscription.')
param functionAppName string
param functionAppResourceGroup string
param functionAppSubscriptionId string
param eventGridIdentityId string
param deadLetterStorageAccountId string
param deadLetterContainerName string
param functionName string = 'clusterEvents'
param maxDeliveryAttempts int = 30
param eventTimeToLiveInMinutes int = 1440

resource cluster 'Microsoft.ContainerService/managedClusters@2026-08-01' existing = {
  name: clusterName
}

resource functionApp 'Microsoft.Web/sites@2025-03-01' existing = {
  name: functionAppName
  scope: resourceGroup(functionAppSubscriptionId, functionAppResourceGroup)
}

resource clusterEvents 'Microsoft.Web/sites/functions@2025-03-01' existing = {
  parent: functionApp
  name: functionName
}

resource topic 'Microsoft.EventGrid/systemTopics@2025-02-15' = {
  name: 'aksmon-${clusterName}'
  location: location
  tags: tags
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: { '${eventGridIdentityId}': {} }
  }
  properties: {
    source: cluster.id
    topicType: 'Microsoft.ContainerService.ManagedClusters'
  }
}

resource aksEvents 'Microsoft.EventGrid/systemTopics/eventSubscriptions@2025-02-15' = {
  parent: topic
  name: 'aksmon-aks-events'
  properties: {
    destination: {
      endpointType: 'AzureFunction'
      properties: {
        resourceId: clusterEvents.id
        maxEventsPerBatch: 1
        preferredBatchSizeInKilobytes: 64
      }
    }
    eventDeliverySchema: 'EventGridSchema'
    filter: {
      includedEventTypes: [
        'Microsoft.ContainerService.NewKubernetesVersionAvailable'
        'Microsoft.ContainerService.ClusterSupportEnding'
        'Microsoft.ContainerService.ClusterSupportEnded'
        'Microsoft.ContainerService.NodePoolRollingStarted'
        'Microsoft.ContainerService.NodePoolRollingSucceeded'
        'Microsoft.ContainerService.NodePoolRollingFailed'
      ]
    }
    retryPolicy: {
      maxDeliveryAttempts: maxDeliveryAttempts
      eventTimeToLiveInMinutes: eventTimeToLiveInMinutes
    }
    deadLetterWithResourceIdentity: {
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
  }
}

output topicId string = topic.id
