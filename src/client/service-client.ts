/**
 * The durable-agents service over HTTP, for decisions a person must be authenticated for:
 * approve, reject, answer an escalation, start a run as oneself. The credential (an API
 * key from `keys create`, or an OIDC token) comes from the environment; the service
 * checks it, signs the decision and sends it to the run. Plain fetch: no Temporal
 * connection is needed.
 */
import type { Config } from '../infra/config';
import { DurableAgentsError } from '../shared/errors';
import { FailureType } from '../shared/failures';
import type { Decider } from '../shared/run-types';
import { UnreachableError } from './connect';
import { InvalidInputError } from './ids';

/** How long one request may take (a decision waits for the run to verify it). */
const REQUEST_TIMEOUT_MS = 30_000;

/** An RFC 9457 problem, as the service answers errors. */
export interface Problem {
  type?: string;
  title?: string;
  status?: number;
  detail?: string;
  errors?: Array<{ field: string; message: string }>;
}

/** The service refused or failed a request; `status` and `problem` say how. 4xx: the caller's to fix. */
export class ServiceRequestError extends DurableAgentsError {
  constructor(
    readonly status: number,
    readonly problem: Problem,
  ) {
    super(problem.detail ?? problem.title ?? `the service answered HTTP ${status}`, {
      type: status === 401 ? FailureType.Unauthenticated : status === 403 ? FailureType.Forbidden : status < 500 ? FailureType.InvalidInput : FailureType.InfrastructureUnavailable,
      fault: status < 500 ? 'user' : 'system',
      retryable: status >= 500 || status === 429,
      details: problem,
    });
  }
}

export interface ApprovalResult {
  workflowId: string;
  callId: string;
  tool: string;
  args: unknown;
  argsHash: string;
  decision: 'approved' | 'rejected';
  reason?: string;
  by: Decider;
  at: string;
}

export interface EscalationResult {
  workflowId: string;
  nodeId: string;
  answer: string;
  by: Decider;
  at: string;
}

export interface StartRunRequest {
  agent: string;
  input: string;
  tenantId?: string;
  id?: string;
  maxSteps?: number;
  metadata?: Record<string, string>;
}

export interface ServiceClientOptions {
  /** Base URL, e.g. http://localhost:8234. */
  url: string;
  /** An API key (`da_…`) or a JWT. */
  credential?: string;
  /** Where the URL came from, for errors (e.g. "DURABLE_AGENTS_URL"). */
  urlSource?: string;
}

export class ServiceClient {
  constructor(private readonly o: ServiceClientOptions) {}

  /** The service at DURABLE_AGENTS_URL (default: the dev service's port) with DURABLE_AGENTS_API_KEY or DURABLE_AGENTS_TOKEN. */
  static fromConfig(config: Config): ServiceClient {
    return new ServiceClient({
      url: config.DURABLE_AGENTS_URL,
      credential: config.DURABLE_AGENTS_API_KEY ?? config.DURABLE_AGENTS_TOKEN,
      urlSource: process.env.DURABLE_AGENTS_URL ? 'DURABLE_AGENTS_URL' : 'DURABLE_AGENTS_PORT',
    });
  }

  get url(): string {
    return this.o.url;
  }

  /** Approves a pending call; with `argsHash`, only if the call's arguments still hash to it. */
  approve(workflowId: string, callId: string, opts: { argsHash?: string; reason?: string } = {}): Promise<ApprovalResult> {
    return this.post(`/v1/runs/${encodeURIComponent(workflowId)}/approvals/${encodeURIComponent(callId)}`, { decision: 'approve', ...opts });
  }

  reject(workflowId: string, callId: string, opts: { reason?: string } = {}): Promise<ApprovalResult> {
    return this.post(`/v1/runs/${encodeURIComponent(workflowId)}/approvals/${encodeURIComponent(callId)}`, { decision: 'reject', ...opts });
  }

  answerEscalation(flowId: string, nodeId: string, answer: string): Promise<EscalationResult> {
    return this.post(`/v1/flows/${encodeURIComponent(flowId)}/escalations/${encodeURIComponent(nodeId)}`, { answer });
  }

  /** Starts a run as the authenticated principal (needs operator): its requester, for four-eyes approvals. */
  startRun(req: StartRunRequest): Promise<{ id: string; runId: string; requestedBy: string }> {
    return this.post('/v1/runs', req);
  }

  private async post<T>(path: string, body: unknown): Promise<T> {
    if (!this.o.credential) {
      throw new InvalidInputError('no credential: set DURABLE_AGENTS_API_KEY to an API key (an administrator makes one with npx durable-agents keys create …) or DURABLE_AGENTS_TOKEN to an OIDC token');
    }
    let res: Response;
    try {
      res = await fetch(`${this.o.url}${path}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${this.o.credential}`, 'content-type': 'application/json', accept: 'application/json, application/problem+json' },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      });
    } catch (err) {
      // fetch says "fetch failed"; why is in its cause.
      const cause = (err as { cause?: { code?: string; message?: string } }).cause;
      const reason = cause?.code === 'ECONNREFUSED' ? 'connection refused' : (err as Error).name === 'TimeoutError' ? `no answer within ${REQUEST_TIMEOUT_MS / 1000}s` : (cause?.code ?? cause?.message ?? (err as Error).message);
      throw new UnreachableError(`cannot reach the durable-agents service at ${this.o.url}${this.o.urlSource ? ` (${this.o.urlSource})` : ''}: ${reason}`, err);
    }
    const text = await res.text();
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : {};
    } catch {
      parsed = { detail: `the service answered HTTP ${res.status} with a body that is not JSON` };
    }
    if (!res.ok) throw new ServiceRequestError(res.status, parsed as Problem);
    return parsed as T;
  }
}
