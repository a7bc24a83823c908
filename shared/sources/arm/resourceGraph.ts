/**
 * Azure Resource Graph queries through `@azure/arm-resourcegraph` (on the same traffic policy as every
 * other ARM read, see armConnection.ts): subscriptions in batches of 1,000 (the service's limit per
 * request), pages of 1,000 rows followed with the answer's skip token.
 */
import type { ArmConnection } from "./armConnection.js";

const SUBSCRIPTIONS_PER_REQUEST = 1000;
const ROWS_PER_PAGE = 1000;

type Row = Record<string, unknown>;

export async function queryResourceGraph(
  connection: ArmConnection,
  subscriptions: readonly string[],
  query: string,
): Promise<Row[]> {
  const rows: Row[] = [];
  for (let start = 0; start < subscriptions.length; start += SUBSCRIPTIONS_PER_REQUEST) {
    const batch = subscriptions.slice(start, start + SUBSCRIPTIONS_PER_REQUEST);
    let skipToken: string | undefined;
    do {
      const page = await connection.resourceGraph.resources({
        subscriptions: batch,
        query,
        options: { top: ROWS_PER_PAGE, resultFormat: "objectArray", ...(skipToken ? { skipToken } : {}) },
      });
      if (!Array.isArray(page.data)) throw new Error(`Resource Graph answered without an array of rows (count ${page.count})`);
      rows.push(...(page.data as Row[]));
      skipToken = page.skipToken || undefined;
    } while (skipToken);
  }
  return rows;
}

/** A KQL string literal: the value between single quotes, with backslashes and quotes escaped. */
export function kqlString(value: string): string {
  return `'${value.replaceAll("\\", "\\\\").replaceAll("'", "\\'")}'`;
}
