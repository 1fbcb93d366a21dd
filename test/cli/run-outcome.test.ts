/**
 * What `run` and `status` say when a run does not complete: the step that failed, with its
 * error, what was undone, the Web UI link, a non-zero exit, and no call left "running".
 * Uses the support example's own failure: an order whose customer has no e-mail address
 * (ORD-1003 in the seeded data), so the notification fails after the refund, which is undone.
 */
import { exampleAgents } from '../../src/examples';
import { runCli, type CliOutcome } from '../support/cli-process';
import { startHarness, type Harness } from '../support/harness';
import { newOrder } from '../support/orders';

let h: Harness;

beforeAll(async () => {
  h = await startHarness({ agents: exampleAgents, sdkLogLevel: 'ERROR' });
});
afterAll(() => h?.shutdown());

const cli = (args: string[]): Promise<CliOutcome> => runCli(args, { TASK_QUEUE: h.taskQueue, TEMPORAL_UI_URL: 'http://ui.example' });

test('a run that fails prints the failing step with its error, what was undone and the link, and exits 1', async () => {
  const order = await newOrder(h.pool, { email: null, amountCents: 3900 });
  const r = await cli(['run', 'support', `Order ${order} arrived broken, refund it`, '--tenant', 'acme']);
  expect(r.code).toBe(1);
  // `run` prints each state it sees between polls: on a busy machine the refund may be
  // undone before a poll saw it succeed, so only the compensated line is certain.
  expect(r.stdout).toMatch(/↺ step 2 refund_payment \[call_2_0\] compensated: \{"refundId":\d+,"orderId":"ORD-\d+","amountUsd":39,"status":"issued"\}/);
  expect(r.stdout).toContain(`✗ step 3 notify_customer [call_3_0] failed: customer of order ${order} has no e-mail address`);
  const id = /▶ (\S+)/.exec(r.stdout)![1]!;
  expect(r.stdout).toContain(`Web UI: http://ui.example/namespaces/default/workflows/${id}`);
  expect(r.stderr).toBe(`durable-agents: run failed: agent run failed: customer of order ${order} has no e-mail address; undone: refund_payment(call_2_0)\n`);

  const status = await cli(['status', id]);
  expect(status.code).toBe(0);
  expect(status.stdout).toMatch(/status failed\s+step 3/);
  expect(status.stdout).not.toMatch(/running|needs approval/);
  expect(status.stdout).toContain('last error: customer of order');
});

test('a run cancelled while it waits for an approval shows no pending approval afterwards', async () => {
  const order = await newOrder(h.pool, { amountCents: 24900 });
  const { id } = await h.agents.start('support', `Order ${order} arrived broken, refund it`, { tenantId: 'acme' });
  for (let i = 0; !(await h.agents.state(id)).pendingApprovals.length; i++) {
    if (i > 300) throw new Error('the run never waited for its approval');
    await new Promise((r) => setTimeout(r, 100));
  }
  expect((await cli(['cancel', id])).code).toBe(0);
  await h.agents.result(id).catch(() => undefined);
  const status = await cli(['status', id]);
  expect(status.stdout).toMatch(/status cancelled/);
  expect(status.stdout).toMatch(/⊘ step 2 refund_payment \[call_2_0\] cancelled/);
  expect(status.stdout).not.toMatch(/needs approval|approve:/);
  expect((await h.agents.state(id)).pendingApprovals).toEqual([]);
});

test('a support order of another tenant is reported as not found for the tenant the run is in', async () => {
  const order = await newOrder(h.pool, { tenantId: 'acme' });
  const r = await cli(['run', 'support', `Where is order ${order}?`]);
  expect(r.code).toBe(0);
  expect(r.stdout).toContain(`order ${order} not found for tenant "default"`);
});
