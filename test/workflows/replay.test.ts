/**
 * Every committed history under test/histories/ must replay against today's workflow
 * code. A failure here means a change is not deterministic for runs already in flight.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Worker } from '@temporalio/worker';
import { testEnv } from '../support/harness';
import { testDataConverter } from '../support/data-converter';

const DIR = path.resolve(__dirname, '../histories');
const histories = fs.readdirSync(DIR).filter((f) => f.endsWith('.json'));

test('there are committed histories to replay', () => {
  expect(histories.length).toBeGreaterThanOrEqual(5);
});

test.each(histories)('%s replays deterministically', async (file) => {
  const history: unknown = JSON.parse(fs.readFileSync(path.join(DIR, file), 'utf8'));
  await Worker.runReplayHistory({ workflowBundle: { codePath: testEnv().bundle }, dataConverter: testDataConverter() }, history, file.replace(/\.json$/, ''));
});
