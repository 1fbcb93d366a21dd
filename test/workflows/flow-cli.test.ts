/**
 * The `flow` commands of the CLI, run in-process through `main` against a real server and
 * a worker with the example agents: run (following the nodes), status, answer; and bad
 * specs, which give one line naming the node and exit code 2.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { main } from '../../src/cli/cli';
import { describeError } from '../../src/cli/errors';
import { FlowClient } from '../../src/client/flow-client';
import { exampleAgents } from '../../src/examples';
import { startHarness, testEnv, type Harness } from '../support/harness';
import { newOrder } from '../support/orders';
import { startTestService, type TestService } from '../support/service';

let h: Harness;
let service: TestService;
let dir: string;
const saved = { ...process.env };

beforeAll(async () => {
  h = await startHarness({ agents: exampleAgents });
  service = await startTestService(h);
  // Escalation answers go through the service, as carol, an approver of every tenant.
  Object.assign(process.env, { TEMPORAL_ADDRESS: testEnv().address, TASK_QUEUE: h.taskQueue, DURABLE_AGENTS_URL: service.url, DURABLE_AGENTS_API_KEY: await service.key('carol') });
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flow-cli-'));
});
afterAll(async () => {
  process.env = saved;
  fs.rmSync(dir, { recursive: true, force: true });
  await service?.close();
  await h?.shutdown();
});

/** Runs the CLI as the bin does: lines out, or one error line and its exit code. */
async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const lines: string[] = [];
  try {
    const code = await main(argv, (l) => lines.push(l));
    return { code, out: lines.join('\n'), err: '' };
  } catch (e) {
    const { message, exitCode } = describeError(e);
    return { code: exitCode, out: lines.join('\n'), err: message };
  }
}

function specFile(name: string, spec: unknown): string {
  const file = path.join(dir, `${name}.json`);
  fs.writeFileSync(file, JSON.stringify(spec));
  return file;
}

test('flow run follows the nodes and prints the answer', async () => {
  const order = await newOrder(h.pool);
  const r = await cli('flow', 'run', 'triage', `My coffee grinder from order ${order} arrived broken, please refund it.`, '--tenant', 'acme');
  expect(r.err).toBe('');
  expect(r.code).toBe(0);
  expect(r.out).toMatch(/^▶ flow-acme-[0-9a-f-]{36}\s+flow triage\s+6 nodes$/m);
  expect(r.out).toMatch(/^ {2}↳ route → refund \(route\.output\.category = "refund"\)$/m);
  expect(r.out).toMatch(/^ {2}⊘ knowledge not taken: no edge into it was taken/m);
  expect(r.out).toMatch(/^ {2}✓ refund completed: \[local model\] Your refund has been issued/m);
  expect(r.out).toMatch(/^answer \(completed, flow triage\):\nHello,\n\nYour refund has been issued/m);
  expect(r.out).toMatch(/tokens: \d+ in \/ \d+ out\s+cost: \$0\.000000/);
});

test('a detached flow waits at its escalation; status shows it; answer continues it', async () => {
  const started = await cli('flow', 'run', 'triage', 'Can I pay with cryptocurrency?', '--detach');
  expect(started.code).toBe(0);
  const id = /▶ (\S+)/.exec(started.out)![1]!;
  let status = '';
  for (let i = 0; i < 100 && !status.includes('waits for'); i++) {
    status = (await cli('flow', 'status', id)).out;
    if (!status.includes('waits for')) await new Promise((r) => setTimeout(r, 100));
  }
  expect(status).toContain(`flow ${id}\n  triage   tenant default   status waiting`);
  expect(status).toMatch(/ {2}⏸ escalate \[escalation\] waiting/);
  expect(status).toContain(`answer: npx durable-agents flow answer ${id} escalate "<answer>"`);
  expect(status).toMatch(/decisions:\n {2}▶ flow triage started: Can I pay with cryptocurrency\?/);

  const wrong = await cli('flow', 'answer', id, 'review', 'hello');
  expect(wrong).toMatchObject({ code: 2, err: `no escalation of flow ${id} is waiting at node "review" (waiting: escalate)` });
  // Who answers is the credential's principal; a name given by hand is refused.
  expect(await cli('flow', 'answer', id, 'escalate', 'yes', '--by', 'mallory')).toMatchObject({ code: 2, err: expect.stringMatching(/^--by is gone/) });
  const anonymous = { ...process.env };
  delete process.env.DURABLE_AGENTS_API_KEY;
  expect(await cli('flow', 'answer', id, 'escalate', 'yes')).toMatchObject({ code: 2, err: expect.stringMatching(/^no credential: set DURABLE_AGENTS_API_KEY/) });
  process.env = anonymous;
  const answered = await cli('flow', 'answer', id, 'escalate', 'We accept cards and PayPal only.');
  expect(answered).toMatchObject({ code: 0, out: expect.stringMatching(new RegExp(`^answered escalate of ${id} as carol \\(approver, key:[0-9a-f]{16}\\); the flow goes on$`)) });
  const result = await new FlowClient(h.temporal, h.taskQueue).result(id);
  expect(result.answer).toContain('We accept cards and PayPal only.');
});

test('bad specs: one line naming the problem, exit code 2, nothing started', async () => {
  const cycle = specFile('cycle', { name: 'cyc', nodes: { a: { agent: 'knowledge', next: 'b' }, b: { agent: 'knowledge', next: 'a' } } });
  expect(await cli('flow', 'run', cycle, 'hi')).toMatchObject({ code: 2, err: 'flow "cyc": node "a": cycle a → b → a' });
  const typo = specFile('typo', { name: 'triage', nodes: { route: { agent: 'triage-router', next: 'knowldge' }, knowledge: { agent: 'knowledge' } } });
  expect(await cli('flow', 'run', typo, 'hi')).toMatchObject({ code: 2, err: 'flow "triage": node "route": unknown next node "knowldge"' });
  const ghost = specFile('ghost', { name: 'ghost', nodes: { a: { agent: 'ghost-writer' } } });
  expect((await cli('flow', 'run', ghost, 'hi')).err).toMatch(/^flow "ghost": node "a": unknown agent "ghost-writer" \(known: .*triage-router.*\)$/);
  const broken = path.join(dir, 'broken.json');
  fs.writeFileSync(broken, '{"name": ');
  expect((await cli('flow', 'run', broken, 'hi'))).toMatchObject({ code: 2, err: expect.stringMatching(/^flow "broken": .*broken\.json is not valid JSON/) });
  expect(await cli('flow', 'run', 'nosuch', 'hi')).toMatchObject({ code: 2, err: 'no flow named "nosuch" (examples: content, triage); give the path of a .json file for your own' });
  expect(await cli('flow', 'run', 'triage', '  ')).toMatchObject({ code: 2, err: expect.stringMatching(/^input is empty/) });
  expect(await cli('flow', 'launch')).toMatchObject({ code: 2, err: expect.stringMatching(/^expected: npx durable-agents flow run\|status\|answer/) });
});
