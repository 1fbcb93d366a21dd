/** Serves a Hono app over HTTP on Node, resolving once the port is bound. */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createAdaptorServer } from '@hono/node-server';
import type { Hono } from 'hono';

export interface Listening {
  url: string;
  close(): Promise<void>;
}

/** Listens on `port` (0: any free one) on `hostname` (default loopback). */
export async function listen(app: Hono, port: number, hostname = '127.0.0.1'): Promise<Listening> {
  const server = createAdaptorServer({ fetch: app.fetch, hostname }) as Server;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, hostname, () => resolve());
  });
  const bound = server.address() as AddressInfo;
  return {
    url: `http://${hostname === '0.0.0.0' ? 'localhost' : hostname}:${bound.port}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        // Keep-alive connections (a browser's, the CLI's) would hold the close open.
        server.closeAllConnections();
      }),
  };
}
