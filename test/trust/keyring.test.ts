/**
 * The keyring from configuration: every bad value is one error naming the key or variable;
 * the embedded default's keyring is made once, private to its owner, and rotation keeps the
 * old keys. The CLI's `keyring rotate` on a data directory, and its refusals.
 */
import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ConfigError, loadConfig } from '../../src/infra/config';
import { keyringFile, keyringFromConfig } from '../../src/encryption/data-converter';
import { EncryptionCodec } from '../../src/encryption/encryption-codec';
import { loadOrCreateKeyringFile, parseKeyring } from '../../src/encryption/keyring';

const key = () => crypto.randomBytes(32).toString('base64');
const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'keyring-'));
const CLI = path.resolve(__dirname, '../../dist/src/cli/cli.js');

test.each([
  ['', /no keys listed/],
  ['k1', /must be <id>=<base64 key>/],
  ['k1=', /"k1" is 0 bytes; AES-256 needs 32/],
  ['k1=not base64!', /"k1" is not valid base64/],
  [`k1=${crypto.randomBytes(16).toString('base64')}`, /"k1" is 16 bytes/],
  [`bad id=${key()}`, /must be <id>=<base64 key>/],
  [`k1=${key()},k1=${key()}`, /"k1" is listed twice/],
  [`k1=${key()},k2=${key()}`, /2 keys listed: say which is current/],
])('keys %j are refused: %s', (list, message) => {
  expect(() => parseKeyring(list)).toThrow(message);
});

test('the current id must be one of the keys; with one key it is that one', () => {
  const k = key();
  expect(() => parseKeyring(`k1=${k}`, 'k2')).toThrow('the current key id "k2" is not among the listed keys (k1)');
  expect(parseKeyring(`k1=${k}`).current).toBe('k1');
  expect(() => parseKeyring(`k1=${k}=`)).toThrow('key "k1" is not valid base64'); // a key with junk after it is not quietly cut short
});

test('configuration: a cluster without keys, an id without keys and bad keys are each one ConfigError; off means none', () => {
  const dir = tmp();
  const cfg = (env: Record<string, string>) => keyringFromConfig(loadConfig({ DURABLE_AGENTS_DATA_DIR: dir, ...env }));
  expect(() => cfg({ TEMPORAL_ADDRESS: 'temporal.example:7233' })).toThrow(new ConfigError('invalid encryption keyring: TEMPORAL_ADDRESS is set but DURABLE_AGENTS_ENCRYPTION_KEYS is not: every worker and client of the namespace needs the same keys (or DURABLE_AGENTS_ENCRYPTION=off)'));
  expect(() => cfg({ DURABLE_AGENTS_ENCRYPTION_KEY_ID: 'k1' })).toThrow(/KEY_ID is set but DURABLE_AGENTS_ENCRYPTION_KEYS is not/);
  expect(() => cfg({ DURABLE_AGENTS_ENCRYPTION_KEYS: 'k1=abc' })).toThrow(ConfigError);
  expect(cfg({ DURABLE_AGENTS_ENCRYPTION: 'off', TEMPORAL_ADDRESS: 'temporal.example:7233' })).toBeUndefined();
  expect(() => loadConfig({ DURABLE_AGENTS_ENCRYPTION: 'maybe' })).toThrow(/DURABLE_AGENTS_ENCRYPTION/);
  expect(fs.readdirSync(dir)).toEqual([]); // nothing written on the way to an error
});

test("the embedded default's keyring is made once, mode 0600, and the same for every process that reads it", () => {
  const dir = tmp();
  const config = loadConfig({ DURABLE_AGENTS_DATA_DIR: dir });
  const first = keyringFromConfig(config)!;
  expect(fs.statSync(keyringFile(dir)).mode & 0o777).toBe(0o600);
  expect(keyringFromConfig(config)).toEqual(first);
  fs.writeFileSync(keyringFile(dir), '{ half a keyr');
  expect(() => loadOrCreateKeyringFile(keyringFile(dir))).toThrow(/is not a keyring/);
});

test('keyring rotate: a new current key, the old ones kept, and what they sealed still opens', async () => {
  const dir = tmp();
  const env = { PATH: process.env.PATH ?? '', DURABLE_AGENTS_DATA_DIR: dir };
  const before = keyringFromConfig(loadConfig(env))!;
  const sealed = await new EncryptionCodec(before, 'default').encode([{ metadata: { encoding: Buffer.from('json/plain') }, data: Buffer.from('"old"') }]);
  const r = spawnSync(process.execPath, [CLI, 'keyring', 'rotate'], { env, encoding: 'utf8' });
  expect([r.status, r.stderr]).toEqual([0, '']);
  const after = keyringFromConfig(loadConfig(env))!;
  expect(after.current).not.toBe(before.current);
  expect(after.keys.get(before.current)).toEqual(before.keys.get(before.current));
  const opened = await new EncryptionCodec(after, 'default').decode(sealed);
  expect(Buffer.from(opened[0]!.data!).toString()).toBe('"old"');
});

test('keyring rotate with keys from the environment says how to rotate them, with a fresh key; exit 2', () => {
  const r = spawnSync(process.execPath, [CLI, 'keyring', 'rotate'], { env: { PATH: process.env.PATH ?? '', DURABLE_AGENTS_ENCRYPTION_KEYS: `k1=${key()}` }, encoding: 'utf8' });
  expect(r.status).toBe(2);
  expect(r.stderr).toMatch(/^durable-agents: the keys come from DURABLE_AGENTS_ENCRYPTION_KEYS: append k\w+=[A-Za-z0-9+/]{43}= to it on every worker and client \(workers first\), then set DURABLE_AGENTS_ENCRYPTION_KEY_ID=k\w+\n$/);
  expect(spawnSync(process.execPath, [CLI, 'keyring', 'spin'], { env: { PATH: '' }, encoding: 'utf8' })).toMatchObject({ status: 2, stderr: 'durable-agents: unknown keyring command "spin" (usage: npx durable-agents keyring rotate)\n' });
});
