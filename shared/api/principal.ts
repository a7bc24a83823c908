/**
 * The App Service Authentication (Easy Auth) principal: the `x-ms-client-principal` header, base64 JSON
 * `{ auth_typ, name_typ, role_typ, claims: [{ typ, val }] }`, set by the platform (it strips the header
 * from incoming requests, so a caller cannot forge it when Easy Auth is on).
 */
import { problem, type ApiResponse } from "./responses.js";

export const PRINCIPAL_HEADER = "x-ms-client-principal";
const ROLE_CLAIMS = new Set(["roles", "http://schemas.microsoft.com/ws/2008/06/identity/claims/role"]);
const MAX_HEADER_CHARS = 64 * 1024;

export interface Principal {
  name?: string;
  roles: string[];
}

/** The principal in the header, or undefined when absent or unreadable. */
export function parsePrincipal(header: string | null | undefined): Principal | undefined {
  if (!header || header.length > MAX_HEADER_CHARS) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(header, "base64").toString("utf8"));
  } catch {
    return undefined;
  }
  if (typeof parsed !== "object" || parsed === null) return undefined;
  const { claims, role_typ: roleType, name_typ: nameType } = parsed as Record<string, unknown>;
  if (!Array.isArray(claims)) return undefined;
  const roles: string[] = [];
  let name: string | undefined;
  for (const claim of claims as unknown[]) {
    if (typeof claim !== "object" || claim === null) continue;
    const { typ, val } = claim as Record<string, unknown>;
    if (typeof typ !== "string" || typeof val !== "string") continue;
    if (ROLE_CLAIMS.has(typ) || typ === roleType) roles.push(val);
    if (name === undefined && (typ === nameType || typ === "name" || typ === "preferred_username")) name = val.slice(0, 200);
  }
  return { roles, ...(name ? { name } : {}) };
}

/** undefined when admitted; else the 403 to answer (no principal, or not the role). */
export function requireRole(header: string | null | undefined, role: string | undefined): ApiResponse | undefined {
  if (!role) return undefined;
  const principal = parsePrincipal(header);
  if (!principal) return problem(403, "PrincipalRequired", `This endpoint needs a signed-in caller (App Service Authentication) holding the app role '${role}'`);
  if (!principal.roles.includes(role)) return problem(403, "RoleRequired", `The caller does not hold the app role '${role}'`);
  return undefined;
}
