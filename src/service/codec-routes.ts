/**
 * The codec server's routes: the Web UI and the `temporal` CLI send payloads here to have
 * them opened (and sealed) with the keyring, so a person sees inputs, results and summaries
 * while Temporal stores only ciphertext.
 *
 * - `POST /decode`, `/encode` (namespace in `X-Namespace`) and `POST /{namespace}/decode|encode`,
 *   bodies in Temporal's JSON form: `{ "payloads": [{ "metadata": {k: base64}, "data": base64 }] }`.
 * - Authenticated: `Authorization: Bearer <token>`; or, for a Web UI that cannot send
 *   headers (the dev server's, which has no login), the token as the first path segment
 *   of the endpoint it is configured with (`…/codec/t/<token>`). Without it: 401.
 * - CORS only for the configured Web UI origins: a page elsewhere cannot make the browser
 *   of someone who can reach this server decode for it.
 * - Payloads are never logged.
 */
import crypto from 'node:crypto';
import type { Payload, PayloadCodec } from '@temporalio/common';
import { Hono, type Context } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { cors } from 'hono/cors';
import { z } from 'zod';

export interface CodecRoutesOptions {
  /** One codec per namespace (the namespace is bound into the ciphertext). */
  codecFor(namespace: string): PayloadCodec;
  /** The Web UI origins allowed to call from a browser, e.g. `http://localhost:8233`. */
  uiOrigins: string[];
  /** Accepted bearer tokens; the request's token is compared in constant time. */
  tokens: string[];
  /** Largest body accepted (default 16 MiB: a history page of large payloads). */
  maxBodyBytes?: number;
}

const NAMESPACE = /^[A-Za-z0-9._-]{1,255}$/;
const base64 = z.string().regex(/^[A-Za-z0-9+/]*={0,2}$/, 'must be base64');
const PayloadsBody = z.object({
  payloads: z.array(z.object({ metadata: z.record(z.string(), base64).optional(), data: base64.optional() })),
});

export function codecRoutes(o: CodecRoutesOptions): Hono {
  const app = new Hono();
  app.use(
    '*',
    cors({
      origin: (origin) => (o.uiOrigins.includes(origin) ? origin : null),
      allowMethods: ['POST', 'OPTIONS'],
      allowHeaders: ['Content-Type', 'X-Namespace', 'Authorization'],
      maxAge: 600,
    }),
  );
  app.use('*', bodyLimit({ maxSize: o.maxBodyBytes ?? 16 * 1024 * 1024, onError: (c) => problem(c, 413, 'body too large') }));

  const handle = (op: 'encode' | 'decode') => async (c: Context) => {
    if (!authorized(c.req.header('Authorization')?.replace(/^Bearer\s+/i, '') ?? c.req.param('token'), o.tokens)) {
      return problem(c, 401, 'missing or wrong credentials: send Authorization: Bearer <token>');
    }
    const namespace = c.req.param('namespace') ?? c.req.header('X-Namespace');
    if (!namespace || !NAMESPACE.test(namespace)) return problem(c, 400, 'namespace missing or malformed: put it in the path or the X-Namespace header');
    const parsed = PayloadsBody.safeParse(await c.req.json().catch(() => undefined));
    if (!parsed.success) return problem(c, 400, `body must be {"payloads": [{"metadata": {…}, "data": "<base64>"}]}: ${parsed.error.issues[0]!.path.join('.')} ${parsed.error.issues[0]!.message}`);
    const codec = o.codecFor(namespace);
    const out = await codec[op](parsed.data.payloads.map(fromJson));
    return c.json({ payloads: out.map(toJson) });
  };
  for (const op of ['encode', 'decode'] as const) {
    app.post(`/${op}`, handle(op));
    app.post(`/t/:token/${op}`, handle(op));
    app.post(`/:namespace/${op}`, handle(op));
  }
  return app;
}

function authorized(token: string | undefined, tokens: string[]): boolean {
  if (!token) return false;
  const given = crypto.createHash('sha256').update(token).digest();
  // Hashes have equal lengths, so the comparison takes the same time for every token.
  return tokens.some((t) => crypto.timingSafeEqual(given, crypto.createHash('sha256').update(t).digest()));
}

function problem(c: Context, status: 400 | 401 | 413, detail: string) {
  return c.json({ type: 'about:blank', title: status === 401 ? 'Unauthorized' : status === 413 ? 'Payload Too Large' : 'Bad Request', status, detail }, status, { 'Content-Type': 'application/problem+json' });
}

type JsonPayload = { metadata?: Record<string, string>; data?: string };

function fromJson(p: JsonPayload): Payload {
  return {
    metadata: Object.fromEntries(Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64')])),
    data: Buffer.from(p.data ?? '', 'base64'),
  };
}

function toJson(p: Payload): JsonPayload {
  return {
    metadata: Object.fromEntries(Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v).toString('base64')])),
    data: Buffer.from(p.data ?? new Uint8Array()).toString('base64'),
  };
}
