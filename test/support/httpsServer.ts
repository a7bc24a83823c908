/** What the local test servers share: an HTTPS listener on 127.0.0.1 with the test certificate, JSON out. */
import { createServer, type Server } from "node:https";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { createTestCertificate } from "./tls.js";

export type Json = Record<string, any>;

export interface Listening {
  server: Server;
  /** `https://127.0.0.1:<port>`, no trailing slash. */
  url: string;
  /** The certificate's PEM, for clients that take a CA explicitly (kubeconfig certificate-authority-data). */
  ca: string;
  close(): Promise<void>;
}

export async function listenHttps(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<Listening> {
  const { cert, key } = await createTestCertificate();
  const server = createServer({ cert, key, keepAliveTimeout: 5_000 }, handler);
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    server,
    url: `https://127.0.0.1:${port}`,
    ca: cert,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        // Keep-alive sockets of SDK agents would otherwise hold close() open for seconds.
        server.closeAllConnections();
      }),
  };
}

export function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  if (res.destroyed || res.writableEnded) return;
  const text = body === undefined ? "" : JSON.stringify(body);
  res.writeHead(status, {
    ...headers,
    "content-type": "application/json; charset=utf-8",
    "content-length": Buffer.byteLength(text),
  });
  res.end(text);
}

export function bearerTokenOf(req: IncomingMessage): string | undefined {
  const header = req.headers.authorization;
  if (!header) return undefined;
  const match = /^Bearer\s+(.+)$/i.exec(header);
  return match?.[1]?.trim();
}
