// Key Vault (Azure RBAC authorization, no access policies) holding the Teams webhook URL and the bot's
// client secret. The app reads them as Key Vault references with its own identity (Key Vault Secrets
// User, granted in roleAssignments.bicep). A secret left empty is not created.
param name string
param location string
param tags object = {}

@secure()
param teamsWebhookUrl string = ''

@secure()
param botAppPassword string = ''

resource vault 'Microsoft.KeyVault/vaults@2023-07-01' = {
  name: name
  location: location
  tags: tags
  properties: {
    tenantId: subscription().tenantId
    sku: { family: 'A', name: 'standard' }
    enableRbacAuthorization: true
    enableSoftDelete: true
    softDeleteRetentionInDays: 7
    publicNetworkAccess: 'Enabled'
  }
}

resource teamsWebhookSecret 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = if (!empty(teamsWebhookUrl)) {
  parent: vault
  name: 'teams-webhook-url'
  properties: {
    value: teamsWebhookUrl
    contentType: 'text/uri-list'
  }
}

resource botAppPasswordSecret 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = if (!empty(botAppPassword)) {
  parent: vault
  name: 'bot-app-password'
  properties: {
    value: botAppPassword
  }
}

output id string = vault.id
output name string = vault.name
// Versionless secret URIs: the app picks up a rotated secret without a redeployment.
output teamsWebhookSecretUri string = empty(teamsWebhookUrl) ? '' : teamsWebhookSecret.properties.secretUri
output botAppPasswordSecretUri string = empty(botAppPassword) ? '' : botAppPasswordSecret.properties.secretUri
