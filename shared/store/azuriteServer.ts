import { randomUUID } from "node:crypto";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Server } from "node:http";

/**
 * Azurite's Table server, in this process. `require("azurite")` fails (its main is the VS Code
 * extension), so the server is built from its own modules, as azurite/dist/src/table/main.js does,
 * minus the command line: no access log, no debug log, no telemetry (only main.js starts that).
 * Loading the modules costs ~0.4 s, so this happens on first use only.
 */

interface AzuriteTableServer {
  start(): Promise<void>;
  close(): Promise<void>;
  httpServer: Server;
}

type TableServerClass = new (configuration: unknown) => AzuriteTableServer;
type TableConfigurationClass = new (
  host: string,
  port: number,
  keepAliveTimeout: number,
  metadataDBPath: string,
  enableDebugLog: boolean,
  enableAccessLog: boolean,
  accessLogWriteStream: undefined,
  debugLogFilePath: undefined,
  loose: boolean,
  skipApiVersionCheck: boolean,
  cert: string,
  key: string,
  pwd: string,
  oauth: undefined,
  disableProductStyleUrl: boolean,
  isMemoryPersistence: boolean,
) => unknown;

interface AzuriteModules {
  TableServer: TableServerClass;
  TableConfiguration: TableConfigurationClass;
  accountName: string;
  accountKey: string;
  dbFileName: string;
}

let modules: AzuriteModules | undefined;

function azurite(): AzuriteModules {
  if (!modules) {
    const require = createRequire(import.meta.url);
    try {
      require.resolve("azurite/dist/src/table/TableServer");
    } catch {
      // An optional dependency: installed for the command line and the tests, never deployed.
      throw new Error("The embedded storage needs the optional package azurite (npm install azurite), or set STORAGE_CONNECTION_STRING");
    }
    const constants = require("azurite/dist/src/common/utils/constants") as { EMULATOR_ACCOUNT_NAME: string; EMULATOR_ACCOUNT_KEY: Buffer };
    const tableConstants = require("azurite/dist/src/table/utils/constants") as { DEFAULT_TABLE_LOKI_DB_PATH: string };
    modules = {
      TableServer: (require("azurite/dist/src/table/TableServer") as { default: TableServerClass }).default,
      TableConfiguration: (require("azurite/dist/src/table/TableConfiguration") as { default: TableConfigurationClass }).default,
      accountName: constants.EMULATOR_ACCOUNT_NAME,
      accountKey: constants.EMULATOR_ACCOUNT_KEY.toString("base64"),
      dbFileName: tableConstants.DEFAULT_TABLE_LOKI_DB_PATH,
    };
  }
  return modules;
}

export interface RunningAzurite {
  /** For the emulator's well-known account (devstoreaccount1): its key is public, not a secret. */
  connectionString: string;
  port: number;
  /** Stops listening and, when persisting, writes the database file. Idempotent. */
  close(): Promise<void>;
}

/**
 * Starts the Table server on 127.0.0.1 and a free port: in memory, or persisting in `<directory>`
 * (LokiJS: one JSON file, saved every 5 s and on close).
 */
export async function startAzuriteTables(options: { directory?: string } = {}): Promise<RunningAzurite> {
  const { TableServer, TableConfiguration, accountName, accountKey, dbFileName } = azurite();
  const inMemory = options.directory === undefined;
  // In memory the path is only a name, but Azurite stats it first: make sure it names nothing.
  const dbPath = inMemory ? join(tmpdir(), `aksmon-azurite-${randomUUID()}.json`) : join(options.directory as string, dbFileName);
  const configuration = new TableConfiguration(
    "127.0.0.1",
    0,
    5,
    dbPath,
    false,
    false,
    undefined,
    undefined,
    false, // loose mode off: unsupported headers and parameters are refused, as Azure does
    false,
    "",
    "",
    "",
    undefined,
    false,
    inMemory,
  );
  const server = new TableServer(configuration);
  await server.start();
  const address = server.httpServer.address();
  if (address === null || typeof address === "string") throw new Error("Azurite did not start listening on a TCP port");
  const endpoint = `http://127.0.0.1:${address.port}/${accountName}`;
  let closing: Promise<void> | undefined;
  return {
    connectionString: `DefaultEndpointsProtocol=http;AccountName=${accountName};AccountKey=${accountKey};TableEndpoint=${endpoint};`,
    port: address.port,
    close: () => {
      closing ??= (async () => {
        const stopped = new Promise<void>((resolve) => server.httpServer.once("close", () => resolve()));
        await server.close();
        // Azurite's close does not wait for the socket to be released; the next start may want the directory.
        await Promise.race([stopped, new Promise((resolve) => setTimeout(resolve, 1_000).unref())]);
      })();
      return closing;
    },
  };
}
