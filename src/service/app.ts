/**
 * The service: one Hono app whose parts are mounted by what a process is for. `dev` and
 * `demo` mount everything (start.ts); `codec-server` mounts only the codec (it needs the
 * keys and nothing else, so it can sit beside a Web UI with no access to Temporal or Postgres).
 */
import { Hono } from 'hono';
import { codecRoutes, type CodecRoutesOptions } from './codec-routes';
import { decisionRoutes, type DecisionRoutesDeps } from './decision-routes';

export interface ServiceParts {
  codec?: CodecRoutesOptions;
  decisions?: DecisionRoutesDeps;
}

export function serviceApp(parts: ServiceParts): Hono {
  const app = new Hono();
  app.get('/healthz', (c) => c.json({ ok: true }));
  if (parts.codec) app.route('/codec', codecRoutes(parts.codec));
  if (parts.decisions) app.route('/', decisionRoutes(parts.decisions));
  // An unexpected error says nothing about its cause to the caller (it could quote a payload).
  app.onError((_err, c) => c.json({ type: 'about:blank', title: 'Internal Server Error', status: 500 }, 500, { 'Content-Type': 'application/problem+json' }));
  return app;
}
