/**
 * `durable-agents keyring rotate`: a new current key for the embedded default's keyring
 * (in the data directory); the old keys stay, so everything sealed before still opens.
 * Keys from DURABLE_AGENTS_ENCRYPTION_KEYS are the operator's to change: the command says how.
 */
import type { Config } from '../infra/config';
import { ConfigError } from '../infra/config';
import { keyringFile } from '../encryption/data-converter';
import { formatKeyring, generateKeyring, loadOrCreateKeyringFile, rotate, writeKeyringFile } from '../encryption/keyring';
import { UsageError } from './errors';

type Out = (line: string) => void;

export function keyringCommand(config: Config, sub: string | undefined, out: Out): number {
  if (sub !== 'rotate') throw new UsageError(`unknown keyring command "${sub ?? ''}" (usage: npx durable-agents keyring rotate)`);
  if (config.DURABLE_AGENTS_ENCRYPTION_KEYS) {
    const fresh = generateKeyring(`k${Date.now().toString(36)}`);
    throw new ConfigError(
      `the keys come from DURABLE_AGENTS_ENCRYPTION_KEYS: append ${formatKeyring(fresh)} to it on every worker and client (workers first), then set DURABLE_AGENTS_ENCRYPTION_KEY_ID=${fresh.current}`,
    );
  }
  if (config.TEMPORAL_ADDRESS) throw new ConfigError('TEMPORAL_ADDRESS is set: that cluster needs DURABLE_AGENTS_ENCRYPTION_KEYS, not a data-directory keyring');
  const file = keyringFile(config.DURABLE_AGENTS_DATA_DIR);
  const next = rotate(loadOrCreateKeyringFile(file));
  writeKeyringFile(file, next);
  out(`new current key "${next.current}" in ${file}; kept: ${[...next.keys.keys()].filter((k) => k !== next.current).join(', ')}`);
  out('A running dev or worker seals with the new key after it restarts.');
  return 0;
}
