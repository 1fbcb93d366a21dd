/**
 * Every test's clients and workers seal payloads as production does, with the keyring
 * global-setup.ts puts in the environment (child processes inherit it).
 */
import type { DataConverter } from '@temporalio/common';
import { dataConverter } from '../../src/encryption/data-converter';
import { parseKeyring, type Keyring } from '../../src/encryption/keyring';

export function testKeyring(): Keyring {
  const keys = process.env.DURABLE_AGENTS_ENCRYPTION_KEYS;
  if (!keys) throw new Error('test environment missing: run through jest (global-setup.ts)');
  return parseKeyring(keys, process.env.DURABLE_AGENTS_ENCRYPTION_KEY_ID);
}

export function testDataConverter(namespace = 'default'): DataConverter {
  return dataConverter(namespace, testKeyring());
}
