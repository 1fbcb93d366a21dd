/**
 * The one data converter of every client, worker, CLI command and test: the project's
 * payload converter and failure converter (both also bundled into the workflow code) and,
 * unless encryption is off, the encryption codec for the namespace.
 */
import path from 'node:path';
import type { DataConverter } from '@temporalio/common';
import type { Config } from '../infra/config';
import { ConfigError } from '../infra/config';
import { EncryptionCodec } from './encryption-codec';
import { KeyringError, loadOrCreateKeyringFile, parseKeyring, type Keyring } from './keyring';

/** Module paths the SDK loads in the workflow sandbox and in Node; the bundler takes them too. */
export const CONVERTER_PATHS = {
  payloadConverterPath: require.resolve('./payload-converter'),
  failureConverterPath: require.resolve('./failure-converter'),
};

/** `keyring` undefined: payloads are stored as they are (encryption off). */
export function dataConverter(namespace: string, keyring: Keyring | undefined): DataConverter {
  return { ...CONVERTER_PATHS, ...(keyring ? { payloadCodecs: [new EncryptionCodec(keyring, namespace)] } : {}) };
}

/** Where the embedded default keeps its keyring. */
export const keyringFile = (dataDir: string): string => path.join(dataDir, 'encryption-keys.json');

/**
 * The keyring configuration names: DURABLE_AGENTS_ENCRYPTION_KEYS, else (on the embedded
 * default only) the data directory's keyring, created on first use. Against a cluster of
 * one's own the keys must be configured: a keyring invented by one host would seal payloads
 * that no other host can open.
 */
export function keyringFromConfig(config: Config): Keyring | undefined {
  if (config.DURABLE_AGENTS_ENCRYPTION === 'off') return undefined;
  try {
    if (config.DURABLE_AGENTS_ENCRYPTION_KEYS) return parseKeyring(config.DURABLE_AGENTS_ENCRYPTION_KEYS, config.DURABLE_AGENTS_ENCRYPTION_KEY_ID);
    if (config.DURABLE_AGENTS_ENCRYPTION_KEY_ID) throw new KeyringError('DURABLE_AGENTS_ENCRYPTION_KEY_ID is set but DURABLE_AGENTS_ENCRYPTION_KEYS is not');
    if (config.TEMPORAL_ADDRESS) {
      throw new KeyringError('TEMPORAL_ADDRESS is set but DURABLE_AGENTS_ENCRYPTION_KEYS is not: every worker and client of the namespace needs the same keys (or DURABLE_AGENTS_ENCRYPTION=off)');
    }
    return loadOrCreateKeyringFile(keyringFile(config.DURABLE_AGENTS_DATA_DIR));
  } catch (err) {
    if (err instanceof KeyringError) throw new ConfigError(`invalid encryption keyring: ${err.message}`);
    throw err;
  }
}

/** The data converter the configuration asks for, for `namespace` (default: the configured one). */
export function configuredDataConverter(config: Config, namespace = config.TEMPORAL_NAMESPACE): DataConverter {
  return dataConverter(namespace, keyringFromConfig(config));
}
