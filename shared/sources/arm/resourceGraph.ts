/**
 * Azure Resource Graph queries over the ARM REST client (and so over the same traffic policy as every
 * other read): subscriptions in batches of 1,000 (the service's limit per request), pages of 1,000 rows
 * followed with `$skipToken`.
 *
 * Why not `@azure/arm-resourcegraph`: on Node 20 npm installs its 4.x line, built on the retired
 * `@azure/ms-rest-js` pipeline, which would bypass the shared throttling policy; 5.x needs Node 22.
 */
import { createRestError } from "@azure-rest/core-client";
import type { ArmConnection } from "./armConnection.js";

const API_VERSION = "2021-03-01";
const SUBSCRIPTIONS_PER_REQUEST = 1000;
const ROWS_PER_PAGE = 1000;

type Row = Record<string, unknown>;

interface QueryResponse {
  data?: Row[];
  $skipToken?: string;
}

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
      const response = await connection.rest.pathUnchecked("/providers/Microsoft.ResourceGraph/resources").post({
        queryParameters: { "api-version": API_VERSION },
        contentType: "application/json",
        body: {
          subscriptions: batch,
          query,
          options: { $top: ROWS_PER_PAGE, resultFormat: "objectArray", ...(skipToken ? { $skipToken: skipToken } : {}) },
        },
      });
      if (response.status !== "200") throw createRestError(response);
      const page = response.body as QueryResponse;
      rows.push(...(page.data ?? []));
      skipToken = page.$skipToken || undefined;
    } while (skipToken);
  }
  return rows;
}

/** A KQL string literal: the value between single quotes, with backslashes and quotes escaped. */
export function kqlString(value: string): string {
  return `'${value.replaceAll("\\", "\\\\").replaceAll("'", "\\'")}'`;
}
