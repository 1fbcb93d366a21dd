/**
 * A worker process is killed with SIGKILL while a flow's middle node runs; a new worker
 * process resumes the flow, which completes without re-running the node that had
 * finished: every child workflow started once, every effect happened once.
 */
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { AgentClient } from '../../src/client/agent-client';
import { FlowClient } from '../../src/client/flow-client';
import { historyOf } from '../support/history';
import { workerProcessSuite } from '../support/worker-process';

const suite = workerProcessSuite(path.resolve(__dirname, '../fixtures/flow-agents.ts'));

test('SIGKILL mid-flow: a new worker process resumes the flow and no finished node runs again', async () => {
  const taskQueue = `flow-crash-${randomUUID()}`;
  const client = suite.client();
  const flows = new FlowClient(client, taskQueue);
  const agents = new AgentClient(client, taskQueue);
  const first = await suite.spawn(taskQueue);

  const { id } = await flows.startFlow(
    {
      name: 'three-steps',
      nodes: {
        a: { type: 'agent', agent: 'step-a', next: 'b' },
        b: { type: 'agent', agent: 'step-b', input: 'after {{nodes.a.answer}}', next: 'c' },
        c: { type: 'agent', agent: 'step-c', input: 'after {{nodes.b.answer}}' },
      },
    },
    'three steps, the middle one slow',
  );
  // Wait until b's slow tool is running, then kill the worker mid-effect.
  for (let i = 0; ; i++) {
    const b = await agents.state(`${id}/b`).catch(() => undefined);
    if (b?.toolCalls.some((c) => c.status === 'running')) break;
    if (i > 300) throw new Error('node b never started its slow step');
    await new Promise((r) => setTimeout(r, 50));
  }
  await new Promise((r) => setTimeout(r, 1000));
  expect(await first.kill('SIGKILL')).toBeNull();

  const second = await suite.spawn(taskQueue);
  const result = await flows.result(id);
  expect(result.status).toBe('completed');
  expect(result.answer).toBe('[local model] step-c done');

  // Each node's child workflow started exactly once, with the id derived from the node.
  const flowEvents = await historyOf(client, id);
  const children = flowEvents.filter((e) => e.startChildWorkflowExecutionInitiatedEventAttributes).map((e) => e.startChildWorkflowExecutionInitiatedEventAttributes!.workflowId);
  expect(children).toEqual([`${id}/a`, `${id}/b`, `${id}/c`]);
  // Node a had finished before the crash: one run, completed by the first process, never touched again.
  const aEvents = await historyOf(client, `${id}/a`);
  expect(aEvents.filter((e) => e.workflowExecutionStartedEventAttributes)).toHaveLength(1);
  const aWorkers = new Set(aEvents.filter((e) => e.workflowTaskCompletedEventAttributes).map((e) => e.workflowTaskCompletedEventAttributes!.identity));
  expect([...aWorkers].every((w) => w?.includes(String(first.pid)))).toBe(true);
  // The flow itself was finished by the second process.
  const lastTask = flowEvents.filter((e) => e.workflowTaskCompletedEventAttributes).at(-1)!;
  expect(lastTask.workflowTaskCompletedEventAttributes!.identity).toContain(String(second.pid));

  const { rows } = await suite.pool().query<{ label: string; n: string }>(
    "SELECT args->>'label' AS label, count(*) AS n FROM tool_effects WHERE workflow_id LIKE $1 AND kind = 'execute' GROUP BY 1 ORDER BY 1",
    [`${id}/%`],
  );
  expect(rows).toEqual([
    { label: 'step-a', n: '1' },
    { label: 'step-b', n: '1' },
    { label: 'step-c', n: '1' },
  ]);
});
