// The resource group, in one monitored subscription, that holds that subscription's system topics.
targetScope = 'subscription'

param name string
param location string
@description('Tags of every resource (azd-env-name, and azd-service-name on the app).')
param tags { *: string } = {}

resource rg 'Microsoft.Resources/resourceGroups@2025-04-01' = {
  name: name
  location: location
  tags: tags
}

output name string = rg.name
