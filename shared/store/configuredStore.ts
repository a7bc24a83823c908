import type { Settings } from "../config/settings.js";
import { TableStore } from "./tableStore.js";

export type StorageSettings = Pick<
  Settings,
  "STORAGE_CONNECTION_STRING" | "AzureWebJobsStorage" | "AzureWebJobsStorage__tableServiceUri" | "AzureWebJobsStorage__accountName"
>;

export class StorageNotConfiguredError extends Error {
  override name = "StorageNotConfiguredError";
}

/** Where the settings say the tables are: a connection string, or an endpoint for the managed identity. */
export function storageTarget(settings: StorageSettings): { connectionString: string } | { endpoint: string } | undefined {
  const connectionString = settings.STORAGE_CONNECTION_STRING ?? settings.AzureWebJobsStorage;
  if (connectionString) return { connectionString };
  const endpoint =
    settings.AzureWebJobsStorage__tableServiceUri ??
    (settings.AzureWebJobsStorage__accountName ? `https://${settings.AzureWebJobsStorage__accountName}.table.core.windows.net` : undefined);
  return endpoint ? { endpoint } : undefined;
}

/**
 * The store the settings name: STORAGE_CONNECTION_STRING, else AzureWebJobsStorage, else the table
 * endpoint with the managed identity. The tables are created when missing. This is the Functions app's
 * only way to storage: nothing here reaches the embedded emulator, which is not deployed.
 */
export async function configuredStore(settings: StorageSettings, options: { tablePrefix?: string } = {}): Promise<TableStore> {
  const target = storageTarget(settings);
  if (!target) {
    throw new StorageNotConfiguredError(
      "No storage configured: set STORAGE_CONNECTION_STRING, AzureWebJobsStorage, or AzureWebJobsStorage__tableServiceUri (managed identity)",
    );
  }
  const prefix = options.tablePrefix ? { tablePrefix: options.tablePrefix } : {};
  let store: TableStore;
  if ("connectionString" in target) {
    store = TableStore.connect({ connectionString: target.connectionString, ...prefix });
  } else {
    // Managed identity in Azure (shared keys are off there); @azure/identity is loaded only on this path.
    const { DefaultAzureCredential } = await import("@azure/identity");
    store = TableStore.connect({ endpoint: target.endpoint, credential: new DefaultAzureCredential(), ...prefix });
  }
  await store.ensureTables();
  return store;
}
