/**
 * Errors as RFC 9457 problem details (`application/problem+json`): a stable `type` (the
 * project's failure type as a URN), the HTTP status, and a `detail` a person can act on;
 * a validation problem lists each bad field.
 */
import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { ZodType } from 'zod';
import { describeIssues } from '../shared/issues';
import { FailureType } from '../shared/failures';

export interface ProblemBody {
  type: string;
  title: string;
  status: number;
  detail: string;
  errors?: Array<{ field: string; message: string }>;
}

const TITLES: Record<number, string> = {
  400: 'Bad request',
  401: 'Unauthenticated',
  403: 'Forbidden',
  404: 'Not found',
  409: 'Conflict',
  500: 'Internal error',
  503: 'Service unavailable',
};

/** A failure that becomes a problem response as it is. */
export class HttpProblem extends Error {
  constructor(
    readonly status: ContentfulStatusCode,
    readonly type: string,
    message: string,
    readonly errors?: ProblemBody['errors'],
  ) {
    super(message);
  }
}

export function problemResponse(c: Context, p: HttpProblem): Response {
  const body: ProblemBody = { type: `urn:durable-agents:${p.type}`, title: TITLES[p.status] ?? 'Error', status: p.status, detail: p.message, ...(p.errors ? { errors: p.errors } : {}) };
  const headers: Record<string, string> = { 'content-type': 'application/problem+json' };
  if (p.status === 401) headers['www-authenticate'] = 'Bearer';
  return c.body(JSON.stringify(body), p.status, headers);
}

/** The request body, parsed by `schema`; a 400 naming each bad field otherwise. */
export async function validBody<T>(c: Context, schema: ZodType<T>): Promise<T> {
  let raw: unknown;
  try {
    raw = await c.req.json();
  } catch {
    throw new HttpProblem(400, FailureType.InvalidInput, 'the request body is not JSON (send Content-Type: application/json)');
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const errors = describeIssues(parsed.error.issues);
    throw new HttpProblem(400, FailureType.InvalidInput, errors.map((e) => `${e.field}: ${e.message}`).join('; '), errors);
  }
  return parsed.data;
}
