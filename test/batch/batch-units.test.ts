/** Pure parts of batches: JSONL lines, the item runner's child workflows, the progress line. */
import { BatchInputError, chunksOf, parseJsonlLine } from '../../src/batch/inputs';
import { progressLine, summaryLines } from '../../src/cli/progress-bar';
import type { BatchProgress, BatchSpec } from '../../src/shared/batch-types';
import type { FlowSpec } from '../../src/shared/flow-types';
import { itemRun, itemWorkflowId, succeededOutcome } from '../../src/workflows/batch/batch-items';

test('JSONL lines: strings, objects with input and key or id, blanks; bad lines name their number', () => {
  expect(parseJsonlLine('"hello"', 1)).toEqual({ input: 'hello' });
  expect(parseJsonlLine('{"input": "hi", "key": "K1"}', 2)).toEqual({ input: 'hi', key: 'K1' });
  expect(parseJsonlLine('{"input": "hi", "id": 7}', 3)).toEqual({ input: 'hi', key: '7' });
  expect(parseJsonlLine('   ', 4)).toBeUndefined();
  expect(() => parseJsonlLine('{oops', 5)).toThrow(new BatchInputError('line 5: not valid JSON'));
  expect(() => parseJsonlLine('{"text": "x"}', 6)).toThrow(/line 6: expected a JSON string or an object with a string "input"/);
  expect(() => parseJsonlLine('42', 7)).toThrow(/line 7/);
  expect(() => parseJsonlLine('"  "', 8)).toThrow(/line 8: input is empty/);
});

test('inline lists are checked item by item', async () => {
  const chunks: unknown[] = [];
  for await (const c of chunksOf(['a', { input: 'b', key: 'k' }], 1)) chunks.push(c);
  expect(chunks).toEqual([[{ input: 'a' }], [{ input: 'b', key: 'k' }]]);
  await expect(async () => {
    for await (const c of chunksOf(['a', ''])) void c;
  }).rejects.toThrow(/item 2: input is empty/);
});

test('the item runner derives the child from the spec: agentRun or flowRun, id from batch id and index', () => {
  const item = { idx: 42, input: 'Refund order ORD-1002', key: 'T-9', status: 'pending' as const, costUsd: 0 };
  const agent: BatchSpec = { target: { kind: 'agent', agent: 'support', maxSteps: 3 }, source: { kind: 'stored', setId: 's' }, tenantId: 'acme' };
  expect(itemWorkflowId('batch-acme-1', 42)).toBe('batch-acme-1-item-42');
  expect(itemRun(agent, 'batch-acme-1', item)).toEqual({
    workflowType: 'agentRun',
    workflowId: 'batch-acme-1-item-42',
    args: [{ agent: 'support', input: 'Refund order ORD-1002', tenantId: 'acme', maxSteps: 3, metadata: { batchId: 'batch-acme-1', item: '42', key: 'T-9' } }],
    summary: 'support item 42 [T-9]: Refund order ORD-1002',
  });
  const spec = { name: 'triage', nodes: {} } as unknown as FlowSpec;
  const flow: BatchSpec = { ...agent, target: { kind: 'flow', spec } };
  const run = itemRun(flow, 'batch-acme-1', item);
  expect(run.workflowType).toBe('flowRun');
  expect(run.args).toEqual([{ spec, input: 'Refund order ORD-1002', tenantId: 'acme', metadata: { batchId: 'batch-acme-1', item: '42', key: 'T-9' } }]);
  expect(succeededOutcome(1, 'c', { answer: 'done', costUsd: 0.5 })).toEqual({ idx: 1, status: 'succeeded', childWorkflowId: 'c', costUsd: 0.5, answer: 'done' });
});

test('the progress line and the summary', () => {
  const p: BatchProgress = { batchId: 'b', status: 'running', total: 200, started: 120, succeeded: 90, failed: 10, cancelled: 0, inFlight: 20, costUsd: 0.0123, concurrency: 20, runs: 0, startedAt: new Date(0).toISOString() };
  expect(progressLine(p, 10_000, 10)).toBe('[█████░░░░░] 100/200  50%  ✓ 90  ✗ 10  ▶ 20  $0.012300  10.0 items/s  ETA 10.0 s  [running]');
  expect(progressLine({ ...p, total: undefined }, 0)).toBe('b  staging inputs…');
  const lines = summaryLines({ batchId: 'b', status: 'completed', total: 3, succeeded: 2, failed: 1, cancelled: 0, pending: 0, costUsd: 0, durationMs: 1500, runs: 0, failures: [{ idx: 2, key: 'K', error: 'AgentRunFailed: boom\nmore' }] });
  expect(lines).toEqual(['✓ batch b completed: 3 items — 2 succeeded, 1 failed', '  cost $0.000000   1.5 s (2.0 items/s)', 'failures:', '  #2 [K]  AgentRunFailed: boom']);
  expect(summaryLines({ batchId: 'b', status: 'completed', total: 1, succeeded: 1, failed: 0, cancelled: 0, pending: 0, costUsd: 0, durationMs: 0, runs: 0, failures: [] })[0]).toBe('✓ batch b completed: 1 item — 1 succeeded, 0 failed');
});
