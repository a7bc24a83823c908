/**
 * The clients the monitor reads ARM with, all over one pipeline policy (ArmTraffic) and one credential:
 * the container service SDK per subscription, the Resource Graph SDK, and a generic ARM REST client for the
 * few resources that have no SDK here (diagnostic settings, Defender pricing and assessments, Application
 * Gateway).
 */
import { ContainerServiceClient } from "@azure/arm-containerservice";
import { ResourceGraphClient } from "@azure/arm-resourcegraph";
import type { AccessToken, TokenCredential } from "@azure/core-auth";
import { getClient, type Client } from "@azure-rest/core-client";
import { ArmTraffic, type ArmTrafficOptions } from "./armTraffic.js";

export interface ArmConnectionOptions {
  /** The ARM endpoint, e.g. https://management.azure.com (AZURE_RESOURCE_MANAGER_ENDPOINT). */
  endpoint: string;
  /** A static bearer token (AZURE_ACCESS_TOKEN), used instead of DefaultAzureCredential. */
  accessToken?: string;
  /** A credential to use instead (tests, the Functions host's managed identity). */
  credential?: TokenCredential;
  traffic?: Partial<ArmTrafficOptions>;
}

export interface ArmConnection {
  endpoint: string;
  credential: TokenCredential;
  traffic: ArmTraffic;
  /** The container service client of a subscription (one per subscription, reused). */
  containerService(subscriptionId: string): ContainerServiceClient;
  /** Resource Graph queries across subscriptions (see resourceGraph.ts). */
  resourceGraph: ResourceGraphClient;
  /** ARM REST for paths without an SDK here: `rest.pathUnchecked(path).get({ queryParameters })`. */
  rest: Client;
}

/** A credential that hands out one fixed token (`az account get-access-token` output). */
export function staticTokenCredential(token: string): TokenCredential {
  return {
    async getToken(): Promise<AccessToken> {
      return { token, expiresOnTimestamp: Date.now() + 3_600_000 };
    },
  };
}

/**
 * DefaultAzureCredential, loaded only when needed: managed identity in Azure, the developer's
 * `az login` locally. @azure/identity is imported lazily because it is costly to load.
 */
async function defaultCredential(): Promise<TokenCredential> {
  const { DefaultAzureCredential } = await import("@azure/identity");
  return new DefaultAzureCredential();
}

export async function connectArm(options: ArmConnectionOptions): Promise<ArmConnection> {
  const endpoint = options.endpoint.replace(/\/+$/, "");
  const credential =
    options.credential ?? (options.accessToken ? staticTokenCredential(options.accessToken) : await defaultCredential());
  const traffic = new ArmTraffic(options.traffic);
  const common = {
    endpoint,
    credentials: { scopes: [`${endpoint}/.default`] },
    retryOptions: { maxRetries: 0 },
    additionalPolicies: [{ policy: traffic.policy, position: "perCall" as const }],
    userAgentOptions: { userAgentPrefix: "aksmon" },
  };
  const clients = new Map<string, ContainerServiceClient>();
  return {
    endpoint,
    credential,
    traffic,
    containerService(subscriptionId) {
      const key = subscriptionId.toLowerCase();
      let client = clients.get(key);
      if (!client) {
        client = new ContainerServiceClient(credential, subscriptionId, common);
        clients.set(key, client);
      }
      return client;
    },
    resourceGraph: new ResourceGraphClient(credential, common),
    rest: getClient(endpoint, credential, common),
  };
}
