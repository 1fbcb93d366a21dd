/**
 * The service's decision routes: a person authenticates (API key or OIDC token), the
 * service checks their role and tenant against the run, signs a short-lived decision
 * token for exactly what they decide, and sends it to the workflow, which verifies it
 * before it records anything (see src/workflows/decisions.ts).
 *
 *   POST /v1/runs/:workflowId/approvals/:callId   { decision: 'approve'|'reject', argsHash?, reason? }
 *   POST /v1/flows/:workflowId/escalations/:node  { answer }
 *   POST /v1/runs                                 { agent, input, tenantId?, id?, maxSteps?, metadata? }
 *
 * Errors are problem+json: 400 a bad body or id (naming the field), 401 no or a bad
 * credential, 403 no role or another tenant (or the run refused the decision), 404 no
 * such run or nothing pending, 409 the run ended or the arguments changed.
 */
import { WorkflowNotFoundError, WorkflowUpdateFailedError, type Client } from '@temporalio/client';
import { Hono, type Context } from 'hono';
import { z } from 'zod';
import { AgentClient, NoCatalogError, NoWorkersError } from '../client/agent-client';
import { UnreachableError } from '../client/connect';
import { FlowClient } from '../client/flow-client';
import { assertRunId, type InvalidInputError } from '../client/ids';
import { expectWorkflow, WrongWorkflowError } from '../client/workflow-kind';
import type { Logger } from '../infra/logger';
import { DurableAgentsError } from '../shared/errors';
import { FailureType } from '../shared/failures';
import { roleFor, type Action, type Principal, type Role } from '../shared/principal';
import type { Decider } from '../shared/run-types';
import type { Authenticate } from '../trust/authenticate';
import type { DecisionSigner } from '../trust/decision-token';
import { AGENT_RUN_WORKFLOW } from '../workflows/agent/definitions';
import { FLOW_RUN_WORKFLOW, flowStateQuery } from '../workflows/flow/definitions';
import { HttpProblem, problemResponse, validBody } from './problem';

export interface DecisionRoutesDeps {
  temporal: Client;
  /** The task queue runs started here go to. */
  taskQueue: string;
  authenticate: Authenticate;
  /** Without it (no DURABLE_AGENTS_SIGNING_KEY outside the embedded default), decisions answer 503. */
  signer?: DecisionSigner;
  log?: Logger;
}

const HASH = z.string().regex(/^[0-9a-f]{64}$/, 'must be the 64 hex digits of the call\'s argsHash');

const DecisionBody = z
  .strictObject({
    decision: z.enum(['approve', 'reject']),
    argsHash: HASH.optional(),
    reason: z.string().max(2000).optional(),
  })
  .refine((b) => b.decision === 'reject' || b.reason === undefined, { path: ['reason'], message: 'only a rejection has a reason' });

const AnswerBody = z.strictObject({
  answer: z.string().max(10_000).refine((a) => a.trim() !== '', 'must not be empty'),
});

const StartBody = z.strictObject({
  agent: z.string().min(1),
  input: z.string().refine((a) => a.trim() !== '', 'must not be empty'),
  tenantId: z.string().optional(),
  id: z.string().optional(),
  maxSteps: z.number().int().positive().optional(),
  metadata: z.record(z.string(), z.string()).optional(),
});

/** The update's refusal types, as HTTP statuses. */
const REFUSAL_STATUS: Record<string, 400 | 403 | 404 | 409> = {
  [FailureType.DecisionRefused]: 403,
  [FailureType.NothingPending]: 404,
  [FailureType.StaleApproval]: 409,
  [FailureType.InvalidInput]: 400,
};

/** Any error as the problem it is. */
function asProblem(err: unknown, log?: Logger): HttpProblem {
  if (err instanceof HttpProblem) return err;
  if (err instanceof WrongWorkflowError) return new HttpProblem(err.ended ? 409 : 404, FailureType.InvalidInput, err.message);
  if (err instanceof WorkflowNotFoundError) return new HttpProblem(404, FailureType.InvalidInput, `no run with id "${err.workflowId}"`);
  if (err instanceof WorkflowUpdateFailedError) {
    const cause = err.cause as { type?: string; message?: string } | undefined;
    return new HttpProblem(REFUSAL_STATUS[cause?.type ?? ''] ?? 409, cause?.type ?? FailureType.DecisionRefused, cause?.message ?? err.message);
  }
  if (err instanceof UnreachableError || err instanceof NoWorkersError || err instanceof NoCatalogError) return new HttpProblem(503, FailureType.InfrastructureUnavailable, err.message);
  if (err instanceof DurableAgentsError) {
    const status = err.type === FailureType.Unauthenticated ? 401 : err.type === FailureType.Forbidden ? 403 : err.fault === 'user' ? 400 : 503;
    return new HttpProblem(status, String(err.type), err.message);
  }
  log?.error('decision route failed', { error: (err as Error)?.message });
  return new HttpProblem(500, 'InternalError', 'the service failed on its side; its log says why');
}

/** The role `p` acts with for `action` in `tenant`; a 403 naming why not. */
function requireRole(p: Principal, action: Action, tenant: string): Role {
  const r = roleFor(p, action, tenant);
  if ('refused' in r) throw new HttpProblem(403, FailureType.Forbidden, `${p.name} (${p.id}) may not ${action === 'start' ? 'start runs' : 'decide'} in tenant ${tenant}: ${r.refused}`);
  return r.role;
}

const decider = (p: Principal, role: Role): Decider => ({ id: p.id, name: p.name, role, tenant: p.tenant });

export function decisionRoutes(deps: DecisionRoutesDeps): Hono {
  const app = new Hono();
  const agents = new AgentClient(deps.temporal, deps.taskQueue);
  const flows = new FlowClient(deps.temporal, deps.taskQueue);
  const namespace = deps.temporal.options.namespace;

  const signer = (): DecisionSigner => {
    if (!deps.signer) throw new HttpProblem(503, FailureType.InvalidConfig, 'this service has no decision signing key: set DURABLE_AGENTS_SIGNING_KEY');
    return deps.signer;
  };
  /** Runs `handle` for an authenticated principal; every error as a problem. */
  const route = (handle: (c: Context, p: Principal) => Promise<Response>) => async (c: Context) => {
    try {
      return await handle(c, await deps.authenticate(c.req.header('authorization')));
    } catch (err) {
      return problemResponse(c, asProblem(err, deps.log));
    }
  };
  const id = (c: Context, name: string): string => {
    try {
      return assertRunId(c.req.param(name)!);
    } catch (err) {
      throw new HttpProblem(400, FailureType.InvalidInput, `${name}: ${(err as InvalidInputError).message}`);
    }
  };

  app.post(
    '/v1/runs/:workflowId/approvals/:callId',
    route(async (c, principal) => {
      const body = await validBody(c, DecisionBody);
      const workflowId = id(c, 'workflowId');
      const callId = c.req.param('callId')!;
      await expectWorkflow(deps.temporal, workflowId, AGENT_RUN_WORKFLOW, 'nothing is waiting for approval');
      const state = await agents.state(workflowId);
      const role = requireRole(principal, 'decide', state.tenantId);
      const pending = state.pendingApprovals.find((p) => p.callId === callId);
      if (!pending) {
        throw new HttpProblem(404, FailureType.NothingPending, `run ${workflowId} has no pending approval for call "${callId}" (pending: ${state.pendingApprovals.map((p) => p.callId).join(', ') || 'none'})`);
      }
      if (body.argsHash !== undefined && body.argsHash !== pending.argsHash) {
        throw new HttpProblem(409, FailureType.StaleApproval, `call ${callId} of run ${workflowId} now has arguments with hash ${pending.argsHash.slice(0, 12)}…, not ${body.argsHash.slice(0, 12)}…: look at them again`);
      }
      const what = { namespace, workflowId, kind: body.decision, target: callId, argsHash: pending.argsHash, ...(body.reason !== undefined ? { text: body.reason } : {}) };
      const token = signer().sign(principal, role, what);
      const done = body.decision === 'approve' ? await agents.approve(workflowId, callId, pending.argsHash, token) : await agents.reject(workflowId, callId, token, body.reason);
      return c.json({
        workflowId,
        callId,
        tool: pending.tool,
        args: pending.args,
        argsHash: pending.argsHash,
        decision: done.decision,
        ...(body.reason !== undefined ? { reason: body.reason } : {}),
        by: done.by ?? decider(principal, role),
        at: done.at,
      });
    }),
  );

  app.post(
    '/v1/flows/:workflowId/escalations/:node',
    route(async (c, principal) => {
      const { answer } = await validBody(c, AnswerBody);
      const workflowId = id(c, 'workflowId');
      const nodeId = c.req.param('node')!;
      await expectWorkflow(deps.temporal, workflowId, FLOW_RUN_WORKFLOW, 'nothing is waiting for an answer');
      const state = await deps.temporal.workflow.getHandle(workflowId).query(flowStateQuery);
      const role = requireRole(principal, 'decide', state.tenantId);
      if (!state.pendingEscalations.some((p) => p.nodeId === nodeId)) {
        throw new HttpProblem(404, FailureType.NothingPending, `no escalation of flow ${workflowId} is waiting at node "${nodeId}" (waiting: ${state.pendingEscalations.map((p) => p.nodeId).join(', ') || 'none'})`);
      }
      const token = signer().sign(principal, role, { namespace, workflowId, kind: 'answer', target: nodeId, text: answer });
      const done = await flows.answerEscalation(workflowId, nodeId, answer, token);
      return c.json({ workflowId, nodeId, answer, by: done.by ?? decider(principal, role), at: done.at });
    }),
  );

  app.post(
    '/v1/runs',
    route(async (c, principal) => {
      const body = await validBody(c, StartBody);
      const tenantId = body.tenantId ?? (principal.tenant === '*' ? undefined : principal.tenant);
      if (!tenantId) throw new HttpProblem(400, FailureType.InvalidInput, 'tenantId: required when the principal acts for every tenant', [{ field: 'tenantId', message: 'required' }]);
      requireRole(principal, 'start', tenantId);
      const known = await agents.agentCatalog();
      if (!known.some((a) => a.name === body.agent)) {
        throw new HttpProblem(400, FailureType.InvalidInput, `agent: unknown agent "${body.agent}" (known: ${known.map((a) => a.name).join(', ') || 'none'})`, [{ field: 'agent', message: 'unknown agent' }]);
      }
      const started = await agents.start(body.agent, body.input, { tenantId, id: body.id, maxSteps: body.maxSteps, metadata: body.metadata, requestedBy: principal.id });
      return c.json({ ...started, requestedBy: principal.id }, 201);
    }),
  );

  return app;
}
