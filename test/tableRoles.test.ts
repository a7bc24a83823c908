import { createServer, request, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TABLE_KINDS, Tables } from "../shared/store/tables.js";
import { tableName } from "../shared/store/keys.js";
import { startAzurite, tablePrefix } from "./support/azurite.js";

/*
 * In Azure the app's identity holds Storage Table Data Contributor on each of its tables, not on the
 * account (infra/app/roleAssignments.bicep), so Table Storage refuses its "create table" requests with
 * 403 AuthorizationPermissionMismatch. A proxy in front of Azurite answers those requests as Azure does.
 */
let azurite: Awaited<ReturnType<typeof startAzurite>>;
let proxy: Server;
let proxied: string;
const refused: string[] = [];

beforeAll(async () => {
  azurite = await startAzurite();
  const target = new URL(/TableEndpoint=([^;]+)/.exec(azurite.connectionString)![1]!);
  proxy = createServer((incoming, outgoing) => {
    if (incoming.method === "POST" && /\/Tables$/.test(incoming.url ?? "")) {
      refused.push(incoming.url ?? "");
      incoming.resume();
      outgoing.writeHead(403, { "content-type": "application/json;odata=minimalmetadata;streaming=true;charset=utf-8", "x-ms-error-code": "AuthorizationPermissionMismatch" });
      outgoing.end(JSON.stringify({ "odata.error": { code: "AuthorizationPermissionMismatch", message: { lang: "en-US", value: "This request is not authorized to perform this operation using this permission.\nRequestId:0\nTime:2026-12-06T00:00:00Z" } } }));
      return;
    }
    const forward = request({ host: target.hostname, port: target.port, method: incoming.method, path: incoming.url, headers: incoming.headers }, (answer) => {
      outgoing.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(outgoing);
    });
    incoming.pipe(forward);
  });
  await new Promise<void>((resolve) => proxy.listen(0, "127.0.0.1", resolve));
  proxied = azurite.connectionString.replace(`:${target.port}/`, `:${(proxy.address() as AddressInfo).port}/`);
});

afterAll(async () => {
  await new Promise((resolve) => proxy.close(resolve));
  await azurite.close();
});

describe("tables granted one by one (no right to create tables)", () => {
  it("opens tables the deployment created, though creating them is refused, and then reads and writes them", async () => {
    const prefix = tablePrefix("granted");
    await Tables.connect({ connectionString: azurite.connectionString, tablePrefix: prefix }).ensureTables();
    refused.length = 0;
    const tables = Tables.connect({ connectionString: proxied, tablePrefix: prefix });
    await tables.ensureTables();
    expect(refused).toHaveLength(TABLE_KINDS.length);
    await tables.upsert("audit", { partitionKey: "p", rowKey: "r", what: "granted" });
    expect((await tables.get("audit", "p", "r"))?.what).toBe("granted");
  });

  it("names the table that is neither creatable nor readable, and how to fix it", async () => {
    const prefix = tablePrefix("missing");
    const creator = Tables.connect({ connectionString: azurite.connectionString, tablePrefix: prefix });
    await creator.ensureTables();
    await creator.client("outbox").deleteTable();
    const failure = await Tables.connect({ connectionString: proxied, tablePrefix: prefix }).ensureTables().then(() => undefined, (error: unknown) => error);
    expect(failure).toBeInstanceOf(Error);
    expect(String((failure as Error).message)).toContain(`table ${tableName(prefix, "outbox")} could not be created`);
    expect(String((failure as Error).message)).toContain("Storage Table Data Contributor");
    expect((failure as { status?: number }).status).toBe(404);
  });
});
