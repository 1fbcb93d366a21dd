/** The environment is read once, by loadConfig: defaults, switches and errors that name the variable. */
import os from 'node:os';
import path from 'node:path';
import { ConfigError, loadConfig } from '../../src/infra/config';
import { debugEnabled } from '../../src/infra/env-switch';
import { PROJECT_ROOT } from '../../src/infra/paths';

test('defaults: embedded data under the project, the build cache under ~/.cache, switches off', () => {
  const c = loadConfig({});
  expect(c.DURABLE_AGENTS_DATA_DIR).toBe(path.join(PROJECT_ROOT, '.data'));
  expect(c.DURABLE_AGENTS_CACHE_DIR).toBe(path.join(os.homedir(), '.cache', 'durable-agents'));
  expect([c.DEBUG, c.CI, c.TASK_QUEUE, c.LOG_LEVEL]).toEqual([false, false, 'agents', 'warn']);
});

test('the cache follows XDG_CACHE_HOME unless DURABLE_AGENTS_CACHE_DIR names one; blank values count as unset', () => {
  expect(loadConfig({ XDG_CACHE_HOME: '/var/cache/x' }).DURABLE_AGENTS_CACHE_DIR).toBe('/var/cache/x/durable-agents');
  expect(loadConfig({ XDG_CACHE_HOME: '/var/cache/x', DURABLE_AGENTS_CACHE_DIR: '/opt/da' }).DURABLE_AGENTS_CACHE_DIR).toBe('/opt/da');
  expect(loadConfig({ DURABLE_AGENTS_DATA_DIR: '  ', TASK_QUEUE: '' }).DURABLE_AGENTS_DATA_DIR).toBe(path.join(PROJECT_ROOT, '.data'));
});

test.each([
  ['1', true],
  ['true', true],
  ['*', true],
  ['0', false],
  ['false', false],
  ['off', false],
])('DEBUG and CI set to %p are switches: on = %p', (value, on) => {
  const c = loadConfig({ DEBUG: value, CI: value });
  expect([c.DEBUG, c.CI, debugEnabled({ DEBUG: value })]).toEqual([on, on, on]);
});

test('a bad value is one error naming each variable', () => {
  const bad = () => loadConfig({ LOG_LEVEL: 'loud', TEMPORAL_PORT: 'seven', HOUSEKEEPING_EVERY: 'weekly' });
  expect(bad).toThrow(ConfigError);
  const message = (() => {
    try {
      bad();
    } catch (err) {
      return (err as Error).message;
    }
    return '';
  })();
  for (const name of ['LOG_LEVEL', 'TEMPORAL_PORT', 'HOUSEKEEPING_EVERY']) expect(message).toContain(name);
  expect(message.split('\n')).toHaveLength(1);
});
