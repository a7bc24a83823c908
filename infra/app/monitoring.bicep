// Log Analytics and a workspace-based Application Insights for the Functions host and the app.
param logAnalyticsName string
param applicationInsightsName string
param location string
@description('Tags of every resource (azd-env-name, and azd-service-name on the app).')
param tags { *: string } = {}
param retentionInDays int = 30

resource workspace 'Microsoft.OperationalInsights/workspaces@2026-03-01' = {
  name: logAnalyticsName
  location: location
  tags: tags
  properties: {
    sku: { name: 'PerGB2018' }
    retentionInDays: retentionInDays
  }
}

resource applicationInsights 'Microsoft.Insights/components@2020-02-02' = {
  name: applicationInsightsName
  location: location
  tags: tags
  kind: 'web'
  properties: {
    Application_Type: 'web'
    WorkspaceResourceId: workspace.id
    // Entra ID only: the connection string's instrumentation key alone cannot send telemetry. The app
    // authenticates with its identity (APPLICATIONINSIGHTS_AUTHENTICATION_STRING, Monitoring Metrics
    // Publisher on this component, roleAssignments.bicep).
    DisableLocalAuth: true
  }
}

output workspaceId string = workspace.id
output applicationInsightsId string = applicationInsights.id
// Not a secret (it identifies where telemetry goes; it grants no read access).
output connectionString string = applicationInsights.properties.ConnectionString
