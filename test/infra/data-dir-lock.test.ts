/** The data directory's lock: held by one live process, taken over from a dead one, released by its owner. */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { InUseError, LOCK_FILE, lockDataDir } from '../../src/infra/data-dir-lock';

const dir = () => fs.mkdtempSync(path.join(os.tmpdir(), 'data-dir-lock-'));
const ports = [{ port: 17233, variable: 'TEMPORAL_PORT' }];

/** The pid of a process that has ended. */
function deadPid(): number {
  return spawnSync(process.execPath, ['-e', '0']).pid!;
}

test('a live holder is named; its release frees the directory', () => {
  const d = dir();
  const release = lockDataDir(d, ports);
  expect(JSON.parse(fs.readFileSync(path.join(d, LOCK_FILE), 'utf8'))).toEqual({ pid: process.pid, ports });
  // Another process's lock: this test's parent is alive.
  fs.writeFileSync(path.join(d, LOCK_FILE), JSON.stringify({ pid: process.ppid, ports }));
  expect(() => lockDataDir(d, ports)).toThrow(InUseError);
  expect(() => lockDataDir(d, ports)).toThrow(`data directory ${d} is in use by durable-agents (pid ${process.ppid}, ports 17233): stop it, or set DURABLE_AGENTS_DATA_DIR to another directory`);
  // The release removes only this process's own lock.
  release();
  expect(fs.existsSync(path.join(d, LOCK_FILE))).toBe(true);
  fs.rmSync(path.join(d, LOCK_FILE));
  lockDataDir(d, ports)();
  expect(fs.existsSync(path.join(d, LOCK_FILE))).toBe(false);
});

test('the lock of a process that is gone, or an unreadable one, is taken over', () => {
  for (const stale of [JSON.stringify({ pid: deadPid(), ports }), '{ half a lo']) {
    const d = dir();
    fs.writeFileSync(path.join(d, LOCK_FILE), stale);
    const release = lockDataDir(d, ports);
    expect(JSON.parse(fs.readFileSync(path.join(d, LOCK_FILE), 'utf8')).pid).toBe(process.pid);
    release();
  }
});
