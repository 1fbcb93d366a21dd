/**
 * The codec server's token and the endpoint the dev server's Web UI is given. On the
 * embedded default the token lives in the data directory.
 */
import crypto from 'node:crypto';
import path from 'node:path';
import type { Config } from '../infra/config';
import { ConfigError } from '../infra/config';
import { readOrCreateSecret } from './secret-file';

export function codecToken(config: Config): string {
  if (config.DURABLE_AGENTS_CODEC_TOKEN) return config.DURABLE_AGENTS_CODEC_TOKEN;
  if (config.TEMPORAL_ADDRESS) throw new ConfigError('the codec server needs DURABLE_AGENTS_CODEC_TOKEN (a secret of 16 or more characters its callers send as a bearer token)');
  return readOrCreateSecret(path.join(config.DURABLE_AGENTS_DATA_DIR, 'codec-token'), () => crypto.randomBytes(24).toString('base64url')).trim();
}

/**
 * The endpoint the dev server's Web UI calls. That UI has no login and cannot send a
 * header, so the token is in the path: whoever can open the Web UI (it listens on
 * localhost) can read decoded payloads, as intended on a developer's machine.
 */
export function devUiCodecEndpoint(config: Config): string {
  return `http://localhost:${config.DURABLE_AGENTS_PORT}/codec/t/${codecToken(config)}`;
}
