// Key Vault (Azure RBAC authorization, no access policies) holding the Teams webhook URL and the bot's
// client secret. The app reads them as Key Vault references with its own identity (Key Vault Secrets
// User, granted in roleAssignments.bicep). A secret left empty is not created.
param name string
param location string
@description('Tags of every resource (azd-env-name, and azd-service-name on the app).')
param tags { *: string } = {}

@secure()
param teamsWebhookUrl string = ''

@secure()
param botAppPassword string = ''

// Whether each secret is given, passed in as plain booleans: an output derived from a secure value
// (even through empty()) would leak it into the deployment history.
@description('A Teams webhook URL is given: create the teams-webhook-url secret.')
param hasTeamsWebhook bool = false
@description('A bot client secret is given: create the bot-app-password secret.')
param hasBotAppPassword bool = false

var teamsWebhookSecretName = 'teams-webhook-url'
var botAppPasswordSecretName = 'bot-app-password'

resource vault 'Microsoft.KeyVault/vaults@2026-05-15' = {
  name: name
  location: location
  tags: tags
  properties: {
    tenantId: subscription().tenantId
    sku: { family: 'A', name: 'standard' }
    enableRbacAuthorization: true
    enableSoftDelete: true
    softDeleteRetentionInDays: 7
    // A deleted secret (or vault) cannot be purged before its retention ends, not even by an owner.
    enablePurgeProtection: true
    // Exception: the app resolves its Key Vault references over the public endpoint. Closing it needs
    // VNet integration of the Flex Consumption app and a private endpoint (App Service is not a trusted
    // service of Key Vault's firewall); until then access is Entra ID with RBAC only, no access policies.
    publicNetworkAccess: 'Enabled'
  }
}

resource teamsWebhookSecret 'Microsoft.KeyVault/vaults/secrets@2026-05-15' = if (hasTeamsWebhook) {
  parent: vault
  name: teamsWebhookSecretName
  properties: {
    value: teamsWebhookUrl
    contentType: 'text/uri-list'
  }
}

resource botAppPasswordSecret 'Microsoft.KeyVault/vaults/secrets@2026-05-15' = if (hasBotAppPassword) {
  parent: vault
  name: botAppPasswordSecretName
  properties: {
    value: botAppPassword
  }
}

output id string = vault.id
output name string = vault.name
// Versionless secret URIs (the vault's URI, 'secrets/', the name): the app picks up a rotated secret
// without a redeployment. Empty when the secret is not created.
output teamsWebhookSecretUri string = hasTeamsWebhook ? '${vault.properties.vaultUri}secrets/${teamsWebhookSecretName}' : ''
output botSecretUri string = hasBotAppPassword ? '${vault.properties.vaultUri}secrets/${botAppPasswordSecretName}' : ''
