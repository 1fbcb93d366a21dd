/**
 * The codec server's settings from configuration: who may call it (its token, and the
 * Web UI origins a browser may call it from) and the endpoint the dev server's Web UI is
 * given. On the embedded default the token lives in the data directory.
 */
import crypto from 'node:crypto';
import path from 'node:path';
import type { Config } from '../infra/config';
import { ConfigError } from '../infra/config';
import { EncryptionCodec } from '../trust/encryption-codec';
import type { Keyring } from '../trust/keyring';
import { readOrCreateSecret } from '../trust/secret-file';
import type { CodecRoutesOptions } from './codec-routes';

export function codecToken(config: Config): string {
  if (config.DURABLE_AGENTS_CODEC_TOKEN) return config.DURABLE_AGENTS_CODEC_TOKEN;
  if (config.TEMPORAL_ADDRESS) throw new ConfigError('the codec server needs DURABLE_AGENTS_CODEC_TOKEN (a secret of 16 or more characters its callers send as a bearer token)');
  return readOrCreateSecret(path.join(config.DURABLE_AGENTS_DATA_DIR, 'codec-token'), () => crypto.randomBytes(24).toString('base64url')).trim();
}

/** The browser origins of the Web UI: configured, or the dev server's UI under both of its local names. */
export function uiOrigins(config: Config): string[] {
  if (config.DURABLE_AGENTS_UI_ORIGINS) return config.DURABLE_AGENTS_UI_ORIGINS;
  if (config.TEMPORAL_UI_URL) return [new URL(config.TEMPORAL_UI_URL).origin];
  return [`http://localhost:${config.TEMPORAL_UI_PORT}`, `http://127.0.0.1:${config.TEMPORAL_UI_PORT}`];
}

export function codecRouteOptions(config: Config, keyring: Keyring): CodecRoutesOptions {
  const codecs = new Map<string, EncryptionCodec>();
  return {
    codecFor: (ns) => codecs.get(ns) ?? codecs.set(ns, new EncryptionCodec(keyring, ns)).get(ns)!,
    uiOrigins: uiOrigins(config),
    tokens: [codecToken(config)],
  };
}

/**
 * The endpoint the dev server's Web UI calls. That UI has no login and cannot send a
 * header, so the token is in the path: whoever can open the Web UI (it listens on
 * localhost) can read decoded payloads, as intended on a developer's machine.
 */
export function devUiCodecEndpoint(config: Config): string {
  return `http://localhost:${config.DURABLE_AGENTS_PORT}/codec/t/${codecToken(config)}`;
}
