/** A TokenCredential that hands out one fixed token: what the SDK clients use against the test servers. */
import type { AccessToken, TokenCredential } from "@azure/core-auth";

export function fixedTokenCredential(token: string): TokenCredential {
  return {
    async getToken(): Promise<AccessToken> {
      return { token, expiresOnTimestamp: Date.now() + 3_600_000 };
    },
  };
}
