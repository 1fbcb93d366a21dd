/**
 * The service: one Hono app whose parts are mounted by what a process is for. `dev` and
 * `demo` mount everything; `codec-server` mounts only the codec (it needs the keys and
 * nothing else, so it can sit beside a Web UI with no access to Temporal or Postgres).
 */
import { Hono } from 'hono';
import { codecRoutes, type CodecRoutesOptions } from './codec-routes';

export interface ServiceParts {
  codec?: CodecRoutesOptions;
}

export function serviceApp(parts: ServiceParts): Hono {
  const app = new Hono();
  app.get('/healthz', (c) => c.json({ status: 'ok' }));
  if (parts.codec) app.route('/codec', codecRoutes(parts.codec));
  // An unexpected error says nothing about its cause to the caller (it could quote a payload).
  app.onError((_err, c) => c.json({ type: 'about:blank', title: 'Internal Server Error', status: 500 }, 500, { 'Content-Type': 'application/problem+json' }));
  return app;
}
