/** Serves a Hono app over HTTP on Node, resolving once the port is bound. */
import { serve } from '@hono/node-server';
import type { Hono } from 'hono';

export interface Listening {
  url: string;
  close(): Promise<void>;
}

export function listen(app: Hono, port: number, hostname = '127.0.0.1'): Promise<Listening> {
  return new Promise((resolve, reject) => {
    const server = serve({ fetch: app.fetch, port, hostname }, (info) =>
      resolve({
        url: `http://${hostname === '0.0.0.0' ? 'localhost' : hostname}:${info.port}`,
        close: () => new Promise<void>((done) => server.close(() => done())),
      }),
    );
    server.once('error', reject);
  });
}
