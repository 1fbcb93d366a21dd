/**
 * Promise: only the right person can approve. An approval (a rejection, an escalation
 * answer) counts only with a decision token the service signed for an authenticated
 * principal holding `approver` (or `admin`) in the run's tenant, and — when the agent asks
 * for four eyes — someone other than who requested the run. Everything else is refused,
 * the run still waits, its state shows the call pending, and nothing is recorded as
 * approved: by the service (a viewer, another tenant, a revoked key, no credential) and,
 * for whoever goes around the service with raw Temporal access, by the workflow itself
 * (no token, a forged or expired token, a token for something else or someone without
 * the role).
 */
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { WorkflowUpdateFailedError } from '@temporalio/client';
import type { Hono } from 'hono';
import { FlowClient } from '../../src/client/flow-client';
import type { Principal } from '../../src/shared/principal';
import type { AgentRunState } from '../../src/shared/run-types';
import { serviceApp } from '../../src/service/app';
import { createAuthenticator } from '../../src/trust/authenticate';
import { DecisionSigner, readClaims, signClaims } from '../../src/trust/decision-token';
import { PrincipalStore } from '../../src/trust/principal-store';
import { approveUpdate } from '../../src/workflows/agent/definitions';
import { testAgent } from '../fixtures/test-agents';
import { decide, testKeys, testSigner } from '../support/decisions';
import { startHarness, type Harness } from '../support/harness';
import { historyOf } from '../support/history';
import { scriptedByTask } from '../support/scripted-by-task';

let h: Harness;
let app: Hono;
let store: PrincipalStore;
const { model, scripts } = scriptedByTask();
/** API keys by who holds them. */
const keys: Record<string, { key: string; principal: Principal }> = {};

beforeAll(async () => {
  h = await startHarness({
    agents: [
      testAgent('payer', 'scripted:authority'),
      testAgent('strict', 'scripted:authority', { approval: { fourEyes: true } }),
      testAgent('front', 'scripted:authority', { handoffs: ['strict'] }),
    ],
    providers: [model],
    sdkLogLevel: 'ERROR',
  });
  store = new PrincipalStore(h.pool);
  app = serviceApp({ decisions: { temporal: h.temporal, taskQueue: h.taskQueue, authenticate: createAuthenticator({ store }), signer: testSigner } });
  const make = async (who: string, tenant: string, roles: Principal['roles']) => {
    const { record, key } = await store.create({ name: who, tenant, roles });
    keys[who] = { key, principal: record.principal };
  };
  await make('ann (approver, acme)', 'acme', ['approver']);
  await make('vic (viewer, acme)', 'acme', ['viewer']);
  await make('gus (approver, globex)', 'globex', ['approver']);
  await make('olga (operator, acme)', 'acme', ['operator']);
  await make('rita (operator and approver, acme)', 'acme', ['operator', 'approver']);
  await make('ada (admin, all tenants)', '*', ['admin']);
  await make('rex (revoked approver, acme)', 'acme', ['approver']);
  await store.revoke(keys['rex (revoked approver, acme)']!.principal.id);
});
afterAll(() => h?.shutdown());

const who = (name: string) => keys[name]!;

async function post(path: string, body: unknown, as?: string): Promise<{ status: number; body: Record<string, unknown>; type: string | null }> {
  const res = await app.request(path, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(as ? { authorization: `Bearer ${who(as).key}` } : {}) },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown>, type: res.headers.get('content-type') };
}

const approvalPath = (id: string, callId: string) => `/v1/runs/${encodeURIComponent(id)}/approvals/${encodeURIComponent(callId)}`;

async function waitFor(id: string, ok: (s: AgentRunState) => boolean): Promise<AgentRunState> {
  for (let i = 0; i < 300; i++) {
    const s = await h.agents.state(id).catch(() => undefined);
    if (s && ok(s)) return s;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`run ${id} never reached the expected state`);
}

async function paid(id: string): Promise<number> {
  const { rows } = await h.pool.query("SELECT 1 FROM tool_effects WHERE workflow_id = $1 AND tool = 'pay' AND kind = 'execute'", [id]);
  return rows.length;
}

/** A run of `agent` in tenant acme that waits to pay 250; started through the service as `requester`, or directly. */
async function waitingRun(agent = 'payer', requester?: string, id?: string): Promise<{ id: string; callId: string; argsHash: string }> {
  const task = `pay ${randomUUID()}`;
  scripts.set(task, [{ toolCalls: [{ name: 'pay', arguments: { amount: 250, to: 'ACME' } }] }, { content: 'paid' }]);
  let runId: string;
  if (requester) {
    const started = await post('/v1/runs', { agent, input: task, ...(id ? { id } : {}) }, requester);
    expect(started.status).toBe(201);
    runId = started.body.id as string;
  } else {
    runId = (await h.agents.start(agent, task, { tenantId: 'acme', ...(id ? { id } : {}) })).id;
  }
  const s = await waitFor(runId, (x) => x.pendingApprovals.length === 1);
  return { id: runId, callId: s.pendingApprovals[0]!.callId, argsHash: s.pendingApprovals[0]!.argsHash };
}

/** Refused means: the run still waits for this call, nothing is recorded as decided, the tool never ran. */
async function expectStillWaiting(id: string, callId: string): Promise<void> {
  const s = await h.agents.state(id);
  expect(s.status).toBe('waiting_approval');
  expect(s.pendingApprovals.map((p) => p.callId)).toEqual([callId]);
  expect(s.decisions).toEqual([]);
  expect(s.policyEvents.filter((e) => e.kind === 'approval')).toEqual([]);
  expect(await paid(id)).toBe(0);
}

/** The refusal an update met, as its message. */
const refusal = (p: Promise<unknown>) =>
  p.then(
    () => 'accepted',
    (e: unknown) => (e instanceof WorkflowUpdateFailedError ? String(e.cause?.message) : `unexpected: ${String(e)}`),
  );

test('an approver of the tenant approves through the service: the run continues, and state and history say who, with which role, when', async () => {
  const run = await waitingRun('payer', 'olga (operator, acme)');
  const res = await post(approvalPath(run.id, run.callId), { decision: 'approve', argsHash: run.argsHash }, 'ann (approver, acme)');
  expect(res.status).toBe(200);
  const ann = who('ann (approver, acme)').principal;
  expect(res.body).toMatchObject({ workflowId: run.id, callId: run.callId, tool: 'pay', args: { amount: 250, to: 'ACME' }, decision: 'approved', by: { id: ann.id, name: ann.name, role: 'approver', tenant: 'acme' } });
  expect((await h.agents.result(run.id)).answer).toBe('paid');
  expect(await paid(run.id)).toBe(1);
  const s = await h.agents.state(run.id);
  expect(s.requestedBy).toBe(who('olga (operator, acme)').principal.id);
  expect(s.decisions).toEqual([{ callId: run.callId, tool: 'pay', step: 1, decision: 'approved', by: { id: ann.id, name: ann.name, role: 'approver', tenant: 'acme' }, at: res.body.at }]);
  expect(s.policyEvents.find((e) => e.kind === 'approval')?.detail).toBe(`pay ${run.callId} approved by ${ann.name} (approver, ${ann.id}) at ${String(res.body.at)}`);
  // History holds the signed token (who, role, tenant, what) and the verification, never a free-text name.
  const events = await historyOf(h.temporal, run.id);
  const accepted = events.find((e) => e.workflowExecutionUpdateAcceptedEventAttributes)!.workflowExecutionUpdateAcceptedEventAttributes!;
  const input = JSON.parse(Buffer.from(accepted.acceptedRequest!.input!.args!.payloads![0]!.data!).toString()) as { token: string; by?: string };
  expect(input.by).toBeUndefined();
  expect(readClaims(input.token)).toMatchObject({ wf: run.id, target: run.callId, argsHash: run.argsHash, kind: 'approve', sub: ann.id, role: 'approver', tenant: 'acme' });
  expect(events.some((e) => e.markerRecordedEventAttributes?.markerName === 'core_local_activity')).toBe(true);
});

test('the service refuses a viewer, an approver of another tenant, a revoked key and no credential; the run still waits', async () => {
  const run = await waitingRun();
  const path = approvalPath(run.id, run.callId);
  const viewer = await post(path, { decision: 'approve' }, 'vic (viewer, acme)');
  expect([viewer.status, viewer.type, viewer.body.type]).toEqual([403, 'application/problem+json', 'urn:durable-agents:Forbidden']);
  expect(viewer.body.detail).toMatch(/vic \(viewer, acme\) .* may not decide in tenant acme: it holds viewer; deciding needs approver or admin/);
  const foreign = await post(path, { decision: 'approve' }, 'gus (approver, globex)');
  expect([foreign.status, foreign.body.detail]).toEqual([403, expect.stringMatching(/may not decide in tenant acme: it belongs to tenant globex, not acme/)]);
  const revoked = await post(path, { decision: 'approve' }, 'rex (revoked approver, acme)');
  expect([revoked.status, revoked.body.detail]).toEqual([401, expect.stringMatching(/^API key [0-9a-f]{16} was revoked at /)]);
  const anonymous = await post(path, { decision: 'approve' });
  expect([anonymous.status, anonymous.body.detail]).toEqual([401, expect.stringMatching(/^no credential/)]);
  // An operator may start runs, not approve them.
  expect((await post(path, { decision: 'reject', reason: 'no' }, 'olga (operator, acme)')).status).toBe(403);
  await expectStillWaiting(run.id, run.callId);
  // The right person still can.
  expect((await post(path, { decision: 'approve' }, 'ada (admin, all tenants)')).body).toMatchObject({ decision: 'approved', by: { role: 'admin', tenant: '*' } });
  expect((await h.agents.result(run.id)).answer).toBe('paid');
});

test('the service names what is wrong with a request: a bad body (the field), stale arguments, a call that is not pending, a run that does not exist', async () => {
  const run = await waitingRun();
  const path = approvalPath(run.id, run.callId);
  const as = 'ann (approver, acme)';
  const bad = await post(path, { decision: 'maybe' }, as);
  expect([bad.status, (bad.body.errors as Array<{ field: string }>)[0]!.field]).toEqual([400, 'decision']);
  expect((await post(path, { decision: 'approve', argsHash: 'abc' }, as)).body.detail).toMatch(/^argsHash: must be the 64 hex digits/);
  expect((await post(path, { decision: 'approve', reason: 'sure' }, as)).body.detail).toBe('reason: only a rejection has a reason');
  expect((await post(path, { decision: 'approve', extra: 1 }, as)).body.detail).toBe('extra: unknown field');
  const stale = await post(path, { decision: 'approve', argsHash: 'f'.repeat(64) }, as);
  expect([stale.status, stale.body.detail]).toEqual([409, expect.stringMatching(/now has arguments with hash/)]);
  const other = await post(approvalPath(run.id, 'call_9_9'), { decision: 'approve' }, as);
  expect([other.status, other.body.detail]).toEqual([404, `run ${run.id} has no pending approval for call "call_9_9" (pending: ${run.callId})`]);
  const missing = await post(approvalPath('run-acme-nobody', 'call_1_0'), { decision: 'approve' }, as);
  expect([missing.status, missing.body.detail]).toEqual([404, 'no run with id "run-acme-nobody"']);
  await expectStillWaiting(run.id, run.callId);
  const rejected = await post(path, { decision: 'reject', reason: 'not today' }, as);
  expect(rejected.body).toMatchObject({ decision: 'rejected', reason: 'not today' });
  const result = await h.agents.result(run.id);
  expect(result.toolCalls[0]).toMatchObject({ status: 'rejected', detail: `rejected by ${as}: not today` });
  expect((await h.agents.state(run.id)).decisions[0]).toMatchObject({ decision: 'rejected', reason: 'not today', by: { name: as, role: 'approver' } });
  const ended = await post(path, { decision: 'approve' }, as);
  expect([ended.status, ended.body.detail]).toEqual([409, `${run.id} has ended (completed): nothing is waiting for approval`]);
});

test('with raw Temporal access, the workflow itself refuses: no token, a forged, expired or misdirected token, a token for a role or tenant that may not decide', async () => {
  const run = await waitingRun();
  const { id, callId, argsHash } = run;
  const ns = h.temporal.options.namespace;
  const handle = h.temporal.workflow.getHandle(id);
  const what = { namespace: ns, workflowId: id, kind: 'approve' as const, target: callId, argsHash };
  const p = (over: Partial<Principal> = {}): Principal => ({ id: 'key:0000000000000001', name: 'mallory', kind: 'person', tenant: 'acme', roles: ['approver'], ...over });

  // The old update shape, a free-text name and no token: refused before it reaches history.
  expect(await refusal(handle.executeUpdate(approveUpdate, { args: [{ callId, argsHash, by: 'mallory' } as never] }))).toMatch(/^approval refused: no decision token/);
  expect(await refusal(h.agents.approve(id, callId, argsHash, 'let me in'))).toBe('approval refused: the decision token is missing or malformed');
  // Signed with a key the namespace does not trust.
  const forger = new DecisionSigner(generateKeyPairSync('ed25519').privateKey);
  expect(await refusal(h.agents.approve(id, callId, argsHash, forger.sign(p(), 'approver', what)))).toMatch(/^approval refused: the decision token is signed with key [0-9a-f]{16}, which namespace default does not trust/);
  // A real token of a viewer with its role changed to approver: the signature no longer holds.
  const viewerToken = testSigner.sign(p({ roles: ['viewer'] }), 'viewer', what);
  const [, sig] = viewerToken.split('.');
  const changed = `${Buffer.from(JSON.stringify({ ...readClaims(viewerToken)!, role: 'approver' })).toString('base64url')}.${sig}`;
  expect(await refusal(h.agents.approve(id, callId, argsHash, changed))).toBe("approval refused: the decision token's signature does not verify");
  // Genuine tokens that do not allow this decision.
  expect(await refusal(h.agents.approve(id, callId, argsHash, viewerToken))).toBe('approval refused: mallory acts as viewer; deciding needs approver or admin');
  expect(await refusal(h.agents.approve(id, callId, argsHash, testSigner.sign(p({ tenant: 'globex' }), 'approver', what)))).toBe('approval refused: mallory belongs to tenant globex, not acme');
  const expired = signClaims({ ...readClaims(testSigner.sign(p(), 'approver', what))!, iat: 1_700_000_000, exp: 1_700_000_300 }, testKeys.privateKey);
  expect(await refusal(h.agents.approve(id, callId, argsHash, expired))).toBe('approval refused: the decision token expired at 2023-11-14T22:18:20.000Z');
  expect(await refusal(h.agents.approve(id, callId, argsHash, testSigner.sign(p(), 'approver', { ...what, workflowId: 'run-acme-other' })))).toBe(`approval refused: the decision token is for workflow run-acme-other, not ${id}`);
  expect(await refusal(h.agents.approve(id, callId, argsHash, testSigner.sign(p(), 'approver', { ...what, kind: 'reject' })))).toBe('approval refused: the decision token says reject, not approve');
  await expectStillWaiting(id, callId);

  // One token decides once.
  const good = testSigner.sign(p(), 'approver', what);
  await h.agents.approve(id, callId, argsHash, good);
  expect((await h.agents.result(id)).answer).toBe('paid');
  expect(await refusal(h.agents.approve(id, callId, argsHash, good))).toMatch(/no pending approval|not running|completed/i);
});

test('four eyes: the person who requested the run cannot approve it; someone else can', async () => {
  const rita = 'rita (operator and approver, acme)';
  const run = await waitingRun('strict', rita);
  const own = await post(approvalPath(run.id, run.callId), { decision: 'approve' }, rita);
  expect([own.status, own.body.type, own.body.detail]).toEqual([403, 'urn:durable-agents:DecisionRefused', `approval refused: the agent asks for four eyes: ${rita} requested this run and cannot also approve it`]);
  await expectStillWaiting(run.id, run.callId);
  const other = await post(approvalPath(run.id, run.callId), { decision: 'approve' }, 'ann (approver, acme)');
  expect(other.status).toBe(200);
  expect((await h.agents.result(run.id)).answer).toBe('paid');

  // A run started around the service has no known requester: under four eyes, nobody can show they are someone else.
  const unknown = await waitingRun('strict');
  const refused = await post(approvalPath(unknown.id, unknown.callId), { decision: 'approve' }, 'ann (approver, acme)');
  expect([refused.status, refused.body.detail]).toEqual([403, expect.stringMatching(/four eyes, and this run does not say who requested it/)]);
  await expectStillWaiting(unknown.id, unknown.callId);
  await h.agents.cancel(unknown.id);
});

test('four eyes holds after a handoff: the run that took over carries the requester', async () => {
  const rita = 'rita (operator and approver, acme)';
  const task = `hand over ${randomUUID()}`;
  scripts.set(task, [{ toolCalls: [{ name: 'transfer_to_strict', arguments: { reason: 'payments' } }] }, { toolCalls: [{ name: 'pay', arguments: { amount: 250, to: 'ACME' } }] }, { content: 'paid' }]);
  const started = await post('/v1/runs', { agent: 'front', input: task }, rita);
  const child = `${started.body.id as string}/handoff-1`;
  const s = await waitFor(child, (x) => x.pendingApprovals.length === 1);
  expect(s.requestedBy).toBe(who(rita).principal.id);
  const own = await post(approvalPath(child, s.pendingApprovals[0]!.callId), { decision: 'approve' }, rita);
  expect([own.status, own.body.detail]).toEqual([403, expect.stringMatching(/four eyes: rita .* requested this run/)]);
  expect((await post(approvalPath(child, s.pendingApprovals[0]!.callId), { decision: 'approve' }, 'ann (approver, acme)')).status).toBe(200);
  expect((await h.agents.result(started.body.id as string)).answer).toBe('paid');
});

test('a run id with slashes (a handoff or flow child) is one path segment, encoded', async () => {
  const run = await waitingRun('payer', undefined, `run-acme-${randomUUID()}/handoff-1`);
  const res = await post(approvalPath(run.id, run.callId), { decision: 'approve' }, 'ann (approver, acme)');
  expect([res.status, res.body.workflowId]).toEqual([200, run.id]);
  expect((await h.agents.result(run.id)).answer).toBe('paid');
});

test('starting runs needs operator in the tenant; the requester is the principal, never a field of the body', async () => {
  const task = `pay ${randomUUID()}`;
  scripts.set(task, [{ content: 'nothing to pay' }]);
  expect((await post('/v1/runs', { agent: 'payer', input: task }, 'vic (viewer, acme)')).status).toBe(403);
  expect((await post('/v1/runs', { agent: 'payer', input: task, tenantId: 'globex' }, 'olga (operator, acme)')).body.detail).toMatch(/may not start runs in tenant globex/);
  expect((await post('/v1/runs', { agent: 'payer', input: task, requestedBy: 'someone' }, 'olga (operator, acme)')).body.detail).toBe('requestedBy: unknown field');
  expect((await post('/v1/runs', { agent: 'nobody', input: task }, 'olga (operator, acme)')).body.detail).toMatch(/^agent: unknown agent "nobody"/);
  expect((await post('/v1/runs', { agent: 'payer', input: task }, 'ada (admin, all tenants)')).body.detail).toBe('tenantId: required when the principal acts for every tenant');
  const started = await post('/v1/runs', { agent: 'payer', input: task, tenantId: 'globex' }, 'ada (admin, all tenants)');
  expect(started.status).toBe(201);
  expect((await h.agents.state(started.body.id as string)).requestedBy).toBe(who('ada (admin, all tenants)').principal.id);
});

test('escalation answers get the same treatment: a viewer is refused, an approver of the tenant answers, the trail says who', async () => {
  const flows = new FlowClient(h.temporal, h.taskQueue);
  const { id } = await flows.startFlow({ name: 'ask-only', nodes: { ask: { type: 'escalation', prompt: 'Refund it?', timeout: '1h' } } }, 'go', { tenantId: 'acme' });
  for (let i = 0; !(await flows.flowState(id).catch(() => undefined))?.pendingEscalations.length; i++) {
    if (i > 300) throw new Error('the flow never escalated');
    await new Promise((r) => setTimeout(r, 50));
  }
  const path = `/v1/flows/${id}/escalations/ask`;
  expect((await post(path, { answer: 'yes' }, 'vic (viewer, acme)')).status).toBe(403);
  expect((await post(path, { answer: 'yes' }, 'gus (approver, globex)')).status).toBe(403);
  expect((await post(path, { answer: '  ' }, 'ann (approver, acme)')).body.detail).toBe('answer: must not be empty');
  // Around the service: no token, or a token for another answer.
  expect(await refusal(flows.answerEscalation(id, 'ask', 'yes', ''))).toMatch(/^answer refused: no decision token/);
  const forOther = testSigner.sign(who('ann (approver, acme)').principal, 'approver', { namespace: 'default', workflowId: id, kind: 'answer', target: 'ask', text: 'no' });
  expect(await refusal(flows.answerEscalation(id, 'ask', 'yes', forOther))).toBe('answer refused: the decision token names another answer than the one sent');
  expect((await flows.flowState(id)).pendingEscalations).toHaveLength(1);
  const answered = await post(path, { answer: 'yes, refund it' }, 'ann (approver, acme)');
  expect(answered.body).toMatchObject({ nodeId: 'ask', answer: 'yes, refund it', by: { name: 'ann (approver, acme)', role: 'approver' } });
  await flows.result(id);
  const trail = (await flows.flowState(id)).trail.find((e) => e.event === 'escalation_answered')!.detail;
  expect(trail).toBe(`ask answered by ann (approver, acme) (approver, ${who('ann (approver, acme)').principal.id}): yes, refund it`);
});

test('a worker that does not trust the service key refuses every decision', async () => {
  const other = await startHarness({ agents: [testAgent('payer', 'scripted:authority')], providers: [model], decisionKeys: [generateKeyPairSync('ed25519').publicKey], sdkLogLevel: 'ERROR' });
  try {
    const task = `pay ${randomUUID()}`;
    scripts.set(task, [{ toolCalls: [{ name: 'pay', arguments: { amount: 250, to: 'ACME' } }] }, { content: 'paid' }]);
    const { id } = await other.agents.start('payer', task, { tenantId: 'acme' });
    let s = await other.agents.state(id);
    for (let i = 0; !s.pendingApprovals.length && i < 300; i++) {
      await new Promise((r) => setTimeout(r, 50));
      s = await other.agents.state(id);
    }
    const p = s.pendingApprovals[0]!;
    expect(await refusal(decide(other.temporal, other.taskQueue).approve(id, p.callId, p.argsHash, 'alice'))).toMatch(/which namespace default does not trust/);
    expect((await other.agents.state(id)).pendingApprovals).toHaveLength(1);
    await other.agents.cancel(id);
  } finally {
    await other.shutdown();
  }
});
