import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeSync } from "node:fs";
import { join, resolve } from "node:path";
import type { Settings } from "../config/settings.js";
import { startAzuriteTables } from "./azuriteServer.js";
import { configuredStore, storageTarget, type StorageSettings } from "./configuredStore.js";
import { TableStore } from "./tableStore.js";

/**
 * The command line's storage when none is configured: Azurite in this process, persisting under
 * `<AKSMON_HOME>/azurite` so that a second run sees the first one's state.
 */

export interface EmbeddedAzurite {
  connectionString: string;
  directory: string;
  /** Saves the database and stops the server. Must be called: LokiJS saves only every 5 s otherwise. */
  close(): Promise<void>;
}

export async function startEmbeddedAzurite(home: string): Promise<EmbeddedAzurite> {
  const directory = join(resolve(home), "azurite");
  mkdirSync(directory, { recursive: true });
  const releaseLock = lockDirectory(directory);
  try {
    const azurite = await startAzuriteTables({ directory });
    let closing: Promise<void> | undefined;
    return {
      connectionString: azurite.connectionString,
      directory,
      close: () => {
        closing ??= azurite.close().finally(releaseLock);
        return closing;
      },
    };
  } catch (error) {
    releaseLock();
    throw error;
  }
}

/**
 * Two processes on one LokiJS file would overwrite each other's saves: the second one is refused
 * while the first is alive. A lock left by a process that died is taken over.
 */
const lockedHere = new Set<string>();

function lockDirectory(directory: string): () => void {
  const lockPath = join(directory, "aksmon.lock");
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(lockPath, "wx");
      writeSync(fd, String(process.pid));
      closeSync(fd);
      lockedHere.add(lockPath);
      return () => {
        lockedHere.delete(lockPath);
        rmSync(lockPath, { force: true });
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      const owner = Number.parseInt(readFileSync(lockPath, "utf8"), 10);
      // This process's own pid in the file is a leftover of an earlier process unless this process holds it.
      const held = owner === process.pid ? lockedHere.has(lockPath) : Number.isInteger(owner) && isAlive(owner);
      if (held) {
        throw new Error(`${directory} is in use by another aksmon (pid ${owner}); wait for it to finish or set AKSMON_HOME elsewhere`);
      }
      rmSync(lockPath, { force: true });
    }
  }
  throw new Error(`cannot lock ${directory}`);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * The command line's store: the configured one (configuredStore.ts), else the embedded Azurite under
 * AKSMON_HOME. The tables are created when missing. `close()` the store when done (it stops the
 * embedded Azurite).
 */
export async function storeOrEmbedded(settings: StorageSettings & Pick<Settings, "AKSMON_HOME">, options: { tablePrefix?: string } = {}): Promise<TableStore> {
  if (storageTarget(settings)) return configuredStore(settings, options);
  const azurite = await startEmbeddedAzurite(settings.AKSMON_HOME);
  try {
    const store = TableStore.connect({ connectionString: azurite.connectionString, ...(options.tablePrefix ? { tablePrefix: options.tablePrefix } : {}), onClose: azurite.close });
    await store.ensureTables();
    return store;
  } catch (error) {
    await azurite.close();
    throw error;
  }
}
