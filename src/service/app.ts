/**
 * The durable-agents service's HTTP app and its listener. Kept minimal here: the decision
 * routes (decision-routes.ts) and a health check; other routes mount beside them.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createAdaptorServer } from '@hono/node-server';
import { Hono } from 'hono';
import { decisionRoutes, type DecisionRoutesDeps } from './decision-routes';

export interface ServiceAppDeps {
  decisions: DecisionRoutesDeps;
}

export function createServiceApp(deps: ServiceAppDeps): Hono {
  const app = new Hono();
  app.get('/healthz', (c) => c.json({ ok: true }));
  app.route('/', decisionRoutes(deps.decisions));
  return app;
}

export interface RunningService {
  url: string;
  close(): Promise<void>;
}

/** Listens on `port` (0: any free one) on `hostname` (default loopback); resolves once it listens. */
export async function listen(app: Hono, port: number, hostname = '127.0.0.1'): Promise<RunningService> {
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
        server.closeAllConnections();
      }),
  };
}
