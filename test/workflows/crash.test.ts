/**
 * A worker process is killed with SIGKILL in the middle of a slow tool; a new worker
 * process resumes the same run, which completes with every side effect exactly once.
 */
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { AgentClient } from '../../src/client/agent-client';
import { historyOf } from '../support/history';
import { workerProcessSuite } from '../support/worker-process';

const suite = workerProcessSuite(path.resolve(__dirname, '../fixtures/test-agents.ts'));

test('SIGKILL during a slow tool: a new worker process resumes the run and no effect happens twice', async () => {
  const taskQueue = `crash-${randomUUID()}`;
  const client = new AgentClient(suite.client(), taskQueue);
  const first = await suite.spawn(taskQueue);

  const { id } = await client.start('crash', 'record two steps, the first one slowly');
  for (let i = 0; ; i++) {
    const s = await client.state(id).catch(() => undefined);
    if (s?.toolCalls.some((c) => c.status === 'running')) break;
    if (i > 200) throw new Error('slow tool never started');
    await new Promise((r) => setTimeout(r, 50));
  }
  await new Promise((r) => setTimeout(r, 1000)); // well inside the 4 s effect
  expect(await first.kill('SIGKILL')).toBeNull();

  const second = await suite.spawn(taskQueue);
  const result = await client.result(id);
  expect(result.status).toBe('completed');
  expect(result.answer).toContain('both steps recorded');

  const { rows } = await suite.pool().query<{ label: string; n: string }>(
    "SELECT args->>'label' AS label, count(*) AS n FROM tool_effects WHERE workflow_id = $1 AND kind = 'execute' GROUP BY 1 ORDER BY 1",
    [id],
  );
  expect(rows).toEqual([
    { label: 'after', n: '1' },
    { label: 'slow', n: '1' },
  ]);

  // The slow tool really was interrupted: its second attempt ran on the new process.
  const started = (await historyOf(client.client, id)).filter((e) => e.activityTaskStartedEventAttributes);
  const slowAttempts = started.map((e) => e.activityTaskStartedEventAttributes!).filter((a) => (a.attempt ?? 1) > 1);
  expect(slowAttempts.length).toBeGreaterThanOrEqual(1);
  expect(slowAttempts[0]!.identity).toContain(String(second.pid));
});
