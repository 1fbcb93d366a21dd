/**
 * The encryption keyring: key id → AES-256 key, plus the id new payloads are sealed with.
 * Rotation is a new current id while the old ids stay listed, so payloads sealed before
 * still open. Keys come from configuration (or, on the embedded default, a file in the
 * data directory that only its owner may read), never from code.
 */
import crypto from 'node:crypto';
import { readOrCreateSecret, writeSecret } from './secret-file';

export interface Keyring {
  /** The id new payloads are sealed with. */
  readonly current: string;
  readonly keys: ReadonlyMap<string, Buffer>;
}

export const KEY_BYTES = 32;
const KEY_ID = /^[A-Za-z0-9._-]{1,64}$/;

/** Why a keyring cannot be used; the message names the key id or the entry that is wrong. */
export class KeyringError extends Error {}

/**
 * Parses `id=base64key,id2=base64key` and the current id (optional with one key). Every
 * key must decode to exactly 32 bytes.
 */
export function parseKeyring(list: string, current?: string): Keyring {
  const keys = new Map<string, Buffer>();
  for (const entry of list.split(',').map((e) => e.trim()).filter(Boolean)) {
    const eq = entry.indexOf('=');
    const id = eq > 0 ? entry.slice(0, eq) : '';
    if (!KEY_ID.test(id)) throw new KeyringError(`key entry "${entry.slice(0, 20)}…" must be <id>=<base64 key> with an id of letters, digits, '.', '_' or '-'`);
    if (keys.has(id)) throw new KeyringError(`key id "${id}" is listed twice`);
    const text = entry.slice(eq + 1);
    const key = Buffer.from(text, 'base64');
    // Node's decoder skips what is not base64: a mistyped key must not pass as a shorter or other one.
    if (key.toString('base64') !== text && key.toString('base64url') !== text) throw new KeyringError(`key "${id}" is not valid base64`);
    if (key.length !== KEY_BYTES) throw new KeyringError(`key "${id}" is ${key.length} bytes; AES-256 needs ${KEY_BYTES} (openssl rand -base64 32)`);
    keys.set(id, key);
  }
  if (!keys.size) throw new KeyringError('no keys listed');
  const chosen = current ?? (keys.size === 1 ? [...keys.keys()][0]! : undefined);
  if (!chosen) throw new KeyringError(`${keys.size} keys listed: say which is current`);
  if (!keys.has(chosen)) throw new KeyringError(`the current key id "${chosen}" is not among the listed keys (${[...keys.keys()].join(', ')})`);
  return { current: chosen, keys };
}

export function formatKeyring(k: Keyring): string {
  return [...k.keys].map(([id, key]) => `${id}=${key.toString('base64')}`).join(',');
}

/** A fresh key under a new id, made current; the old keys stay so their payloads still open. */
export function rotate(k: Keyring, id = `k${Date.now().toString(36)}`): Keyring {
  if (k.keys.has(id)) throw new KeyringError(`key id "${id}" already exists`);
  return { current: id, keys: new Map([...k.keys, [id, crypto.randomBytes(KEY_BYTES)]]) };
}

export function generateKeyring(id = 'k1'): Keyring {
  return { current: id, keys: new Map([[id, crypto.randomBytes(KEY_BYTES)]]) };
}

interface KeyringFile {
  current: string;
  keys: string;
}

const keyringText = (k: Keyring): string => `${JSON.stringify({ current: k.current, keys: formatKeyring(k) } satisfies KeyringFile, null, 2)}\n`;

/** The embedded default's keyring (see secret-file.ts), created on first use. */
export function loadOrCreateKeyringFile(file: string): Keyring {
  const text = readOrCreateSecret(file, () => keyringText(generateKeyring()));
  let parsed: KeyringFile;
  try {
    parsed = JSON.parse(text) as KeyringFile;
  } catch (err) {
    throw new KeyringError(`${file} is not a keyring (${(err as Error).message})`);
  }
  try {
    return parseKeyring(String(parsed.keys ?? ''), String(parsed.current ?? ''));
  } catch (err) {
    throw new KeyringError(`${file}: ${(err as Error).message}`);
  }
}

export function writeKeyringFile(file: string, k: Keyring): void {
  writeSecret(file, keyringText(k));
}
