import { TableClient, TableServiceClient } from "@azure/data-tables";
import type { TableEntity, TableEntityResult, TransactionAction } from "@azure/data-tables";
import type { TokenCredential } from "@azure/core-auth";
import { tableName } from "./keys.js";
import { StoreError, storageFailure } from "./storageError.js";

export const TABLE_KINDS = ["clusters", "findings", "evaluations", "events", "outbox", "suppressions", "conversations", "audit"] as const;
export type TableKind = (typeof TABLE_KINDS)[number];

export type ConnectOptions = ({ connectionString: string } | { endpoint: string; credential: TokenCredential }) & {
  /** Prepended to every table name (letters and digits); tests use their own. Default "aksmon". */
  tablePrefix?: string;
};

export interface OperationCounts {
  /** Point reads and query pages. */
  reads: number;
  /** Single-entity inserts, updates, upserts, deletes, and table creations. */
  writes: number;
  /** Entity group transactions (each one request, up to 100 actions). */
  transactions: number;
}

export type Row = Record<string, unknown>;
export type StoredRow = TableEntityResult<Row>;

/** The tables of a store, one client each, with a count of the requests made. */
export class Tables {
  readonly names: Record<TableKind, string>;
  private readonly clients: Record<TableKind, TableClient>;
  private readonly counts: OperationCounts = { reads: 0, writes: 0, transactions: 0 };

  constructor(
    private readonly service: TableServiceClient,
    makeClient: (name: string) => TableClient,
    prefix: string,
  ) {
    this.names = Object.fromEntries(TABLE_KINDS.map((kind) => [kind, tableName(prefix, kind)])) as Record<TableKind, string>;
    this.clients = Object.fromEntries(TABLE_KINDS.map((kind) => [kind, makeClient(this.names[kind])])) as Record<TableKind, TableClient>;
  }

  static connect(options: ConnectOptions): Tables {
    const prefix = options.tablePrefix ?? "aksmon";
    if ("connectionString" in options) {
      const connectionString = options.connectionString;
      let probe: TableServiceClient;
      try {
        probe = TableServiceClient.fromConnectionString(connectionString);
      } catch {
        // The SDK's message is fine, but never echo the string itself: it holds a key or a signature.
        throw new StoreError("connect", new Error("the storage connection string is not a valid Table Storage connection string"));
      }
      const clientOptions = { allowInsecureConnection: insecureAllowed(probe.url) };
      return new Tables(
        TableServiceClient.fromConnectionString(connectionString, clientOptions),
        (name) => TableClient.fromConnectionString(connectionString, name, clientOptions),
        prefix,
      );
    }
    const endpoint = options.endpoint.replace(/\/+$/, "");
    const clientOptions = { allowInsecureConnection: insecureAllowed(endpoint) };
    return new Tables(
      new TableServiceClient(endpoint, options.credential, clientOptions),
      (name) => new TableClient(endpoint, name, options.credential, clientOptions),
      prefix,
    );
  }

  client(kind: TableKind): TableClient {
    return this.clients[kind];
  }

  operations(): OperationCounts {
    return { ...this.counts };
  }

  /**
   * Creates the tables that are missing. In Azure the deployment creates them and grants the app's
   * identity each table rather than the account, so creating one may be refused (403): the table is
   * then probed, and only a table the app cannot read is an error.
   */
  async ensureTables(): Promise<void> {
    await Promise.all(TABLE_KINDS.map((kind) => this.ensureTable(kind)));
  }

  private async ensureTable(kind: TableKind): Promise<void> {
    try {
      // createTable already tolerates 409 TableAlreadyExists.
      await this.call("writes", `create table ${kind}`, () => this.service.createTable(this.names[kind]));
      return;
    } catch (error) {
      if (!(error instanceof StoreError && error.status === 403)) throw error;
    }
    try {
      await this.call("reads", `read ${kind}`, () => this.clients[kind].listEntities({ queryOptions: { select: ["PartitionKey"] } }).byPage({ maxPageSize: 1 }).next());
    } catch (error) {
      const failure = storageFailure(error);
      throw new StoreError(
        `open table ${this.names[kind]}`,
        Object.assign(
          new Error(
            `table ${this.names[kind]} could not be created (no right to create tables) and cannot be read (${failure.status ?? "no status"} ${failure.code ?? ""}): deploy it with the app's infra (infra/app/storage.bicep) and grant the app's identity Storage Table Data Contributor on it`,
          ),
          { statusCode: failure.status },
        ),
      );
    }
  }

  /** Runs one request, counted; any failure becomes a StoreError (status and service code kept). */
  async call<T>(kind: keyof OperationCounts, operation: string, request: () => Promise<T>): Promise<T> {
    this.counts[kind] += 1;
    try {
      return await request();
    } catch (error) {
      throw error instanceof StoreError ? error : new StoreError(operation, error);
    }
  }

  async get(kind: TableKind, partitionKey: string, rowKey: string): Promise<StoredRow | undefined> {
    try {
      return await this.call("reads", `read ${kind}`, () => this.clients[kind].getEntity<Row>(partitionKey, rowKey));
    } catch (error) {
      if (error instanceof StoreError && error.status === 404) return undefined;
      throw error;
    }
  }

  /** Inserts; undefined when the row exists already (409). */
  async insert(kind: TableKind, entity: TableEntity<Row>): Promise<{ etag: string } | undefined> {
    try {
      const response = await this.call("writes", `insert into ${kind}`, () => this.clients[kind].createEntity(entity));
      return { etag: response.etag ?? "" };
    } catch (error) {
      if (error instanceof StoreError && error.status === 409) return undefined;
      throw error;
    }
  }

  async upsert(kind: TableKind, entity: TableEntity<Row>): Promise<void> {
    await this.call("writes", `upsert into ${kind}`, () => this.clients[kind].upsertEntity(entity, "Replace"));
  }

  /** Replaces a row only if it still has this ETag; undefined when it changed or went away (412, 404). */
  async replaceIfMatch(kind: TableKind, entity: TableEntity<Row>, etag: string, mode: "Replace" | "Merge" = "Replace"): Promise<{ etag: string } | undefined> {
    try {
      const response = await this.call("writes", `update ${kind}`, () => this.clients[kind].updateEntity(entity, mode, { etag }));
      return { etag: response.etag ?? "" };
    } catch (error) {
      if (error instanceof StoreError && (error.status === 412 || error.status === 404)) return undefined;
      throw error;
    }
  }

  /** Deletes (any ETag unless one is given); a row already gone is fine. False when the ETag did not match. */
  async delete(kind: TableKind, partitionKey: string, rowKey: string, etag?: string): Promise<boolean> {
    try {
      await this.call("writes", `delete from ${kind}`, () => this.clients[kind].deleteEntity(partitionKey, rowKey, etag ? { etag } : {}));
      return true;
    } catch (error) {
      if (error instanceof StoreError && error.status === 404) return true;
      if (error instanceof StoreError && error.status === 412) return false;
      throw error;
    }
  }

  async transaction(kind: TableKind, actions: TransactionAction[]): Promise<void> {
    if (actions.length === 0) return;
    await this.call("transactions", `transaction on ${kind}`, () => this.clients[kind].submitTransaction(actions));
  }

  /** Deletes rows of one partition in transactions of 100. */
  async deleteRows(kind: TableKind, rows: ReadonlyArray<{ partitionKey: string; rowKey: string }>): Promise<number> {
    const byPartition = new Map<string, string[]>();
    for (const row of rows) {
      const rowKeys = byPartition.get(row.partitionKey) ?? [];
      rowKeys.push(row.rowKey);
      byPartition.set(row.partitionKey, rowKeys);
    }
    for (const [partitionKey, rowKeys] of byPartition) {
      for (let start = 0; start < rowKeys.length; start += 100) {
        const batch = rowKeys.slice(start, start + 100).map((rowKey): TransactionAction => ["delete", { partitionKey, rowKey }]);
        await this.transaction(kind, batch);
      }
    }
    return rows.length;
  }

  /** One page of a query (a read each), from a continuation token. */
  async page(
    kind: TableKind,
    query: { filter?: string; select?: string[] },
    page: { size?: number; continuation?: string },
  ): Promise<{ rows: StoredRow[]; continuation?: string }> {
    const iterator = this.clients[kind]
      .listEntities<Row>({ queryOptions: { ...(query.filter ? { filter: query.filter } : {}), ...(query.select ? { select: query.select } : {}) } })
      .byPage({ ...(page.size ? { maxPageSize: page.size } : {}), ...(page.continuation ? { continuationToken: page.continuation } : {}) });
    const result = await this.call("reads", `query ${kind}`, () => iterator.next());
    if (result.done) return { rows: [] };
    const rows = [...result.value];
    return { rows, ...(result.value.continuationToken ? { continuation: result.value.continuationToken } : {}) };
  }

  /** Every row a query matches, page after page (a read each). */
  async all(kind: TableKind, query: { filter?: string; select?: string[] }): Promise<StoredRow[]> {
    const rows: StoredRow[] = [];
    let continuation: string | undefined;
    do {
      const page = await this.page(kind, query, continuation ? { continuation } : {});
      rows.push(...page.rows);
      continuation = page.continuation;
    } while (continuation);
    return rows;
  }
}

const LOOPBACK = new Set(["127.0.0.1", "localhost", "[::1]", "::1"]);

/**
 * Plain http only for an emulator: a loopback host or the emulator's well-known account
 * (Azurite in a container named `azurite`, say). Anything else must be https.
 */
function insecureAllowed(endpoint: string): boolean {
  const url = new URL(endpoint);
  if (url.protocol === "https:") return false;
  if (url.protocol !== "http:") throw new StoreError("connect", new Error(`unsupported endpoint protocol ${url.protocol}`));
  if (LOOPBACK.has(url.hostname) || url.pathname.split("/")[1] === "devstoreaccount1") return true;
  throw new StoreError("connect", new Error(`refusing plain http to ${url.host}: only an emulator (loopback or devstoreaccount1) may use http`));
}
