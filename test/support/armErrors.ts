/** ARM error answers: `{ "error": { "code", "message" } }` with the codes and wording ARM uses. */
import { resourceTypeOf } from "./armStore.js";
import type { Json } from "./httpsServer.js";

export interface Answer {
  status: number;
  body?: Json;
  headers?: Record<string, string>;
}

export function armError(status: number, code: string, message: string, extra: Json = {}): Answer {
  return { status, body: { error: { code, message, ...extra } } };
}

export function missingAuthorization(): Answer {
  return withChallenge(armError(401, "AuthenticationFailed", "Authentication failed. The 'Authorization' header is missing."));
}

export function invalidToken(): Answer {
  return withChallenge(armError(401, "InvalidAuthenticationToken", "The access token is invalid."));
}

function withChallenge(answer: Answer): Answer {
  // ARM sends this challenge; without a `claims` parameter the SDKs' bearer policies return the 401 as is.
  return {
    ...answer,
    headers: { "www-authenticate": 'Bearer authorization_uri="https://login.microsoftonline.com/common", error="invalid_token"' },
  };
}

export function missingApiVersion(): Answer {
  return armError(400, "MissingApiVersionParameter", "The api-version query parameter (?api-version=) is required for all requests.");
}

/** The top-level resource (a cluster, a gateway) does not exist: ARM answers this itself. */
export function resourceNotFound(type: string, name: string, resourceGroup: string): Answer {
  return armError(
    404,
    "ResourceNotFound",
    `The Resource '${type}/${name}' under resource group '${resourceGroup}' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix`,
  );
}

/** A child the resource provider does not have (a pool, a profile, a maintenance configuration). */
export function childNotFound(what: string): Answer {
  return armError(404, "NotFound", `${what} was not found.`);
}

export function authorizationFailed(action: string, scope: string): Answer {
  return armError(
    403,
    "AuthorizationFailed",
    `The client 'aksmon-test' with object id '00000000-0000-0000-0000-00000000a11c' does not have authorization to perform action '${action}' over scope '${scope}' or the scope is invalid. If access was recently granted, please refresh your credentials.`,
  );
}

export function subscriptionThrottled(scope: string, retryAfterSeconds: number): Answer {
  return {
    ...armError(
      429,
      "SubscriptionRequestsThrottled",
      `Number of 'read' requests for ${scope} exceeded. Please try again after '${retryAfterSeconds}' seconds after additional tokens are available. Refer to https://aka.ms/arm-throttling for additional information.`,
    ),
    headers: { "retry-after": String(retryAfterSeconds) },
  };
}

/** Resource Graph's 400: a generic BadRequest whose first detail says InvalidQuery (as the service does). */
export function invalidGraphQuery(reason: string): Answer {
  return armError(400, "BadRequest", "Please provide below info when asking for support: timestamp and correlationId.", {
    details: [
      {
        code: "InvalidQuery",
        message: "Query is invalid. Please refer to the documentation for the Azure Resource Graph service and fix the error before retrying.",
      },
      { code: "UnsupportedByTestServer", message: reason },
    ],
  });
}

const defaultCodes: Record<number, string> = {
  400: "BadRequest",
  401: "InvalidAuthenticationToken",
  403: "AuthorizationFailed",
  404: "ResourceNotFound",
  409: "Conflict",
  429: "TooManyRequests",
  500: "InternalServerError",
  502: "BadGateway",
  503: "ServiceUnavailable",
  504: "GatewayTimeout",
};

/** The answer of an injected fault with this status. */
export function faultAnswer(
  status: number,
  request: { method: string; path: string },
  options: { code?: string; message?: string } = {},
): Answer {
  if (status === 403 && !options.code && !options.message) {
    const action = request.method === "POST" ? "action" : "read";
    return authorizationFailed(`${resourceTypeOf(request.path) || "microsoft.resources"}/${action}`, request.path);
  }
  const code = options.code ?? defaultCodes[status] ?? `Http${status}`;
  return armError(status, code, options.message ?? `Injected by the test server: ${code} for ${request.path}.`);
}
