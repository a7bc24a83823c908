// The user-assigned identity the Event Grid system topics use to dead-letter into the storage account
// (shared keys are off, so Event Grid cannot write there with a key). One identity for every topic, in
// every monitored subscription, granted once on the dead-letter container (roleAssignments.bicep).
param name string
param location string
@description('Tags of every resource (azd-env-name, and azd-service-name on the app).')
param tags { *: string } = {}

resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2024-11-30' = {
  name: name
  location: location
  tags: tags
}

output id string = identity.id
output principalId string = identity.properties.principalId
