/**
 * The codec server's settings from configuration: who may call it (its token, and the
 * Web UI origins a browser may call it from).
 */
import type { Config } from '../infra/config';
import { EncryptionCodec } from '../encryption/encryption-codec';
import type { Keyring } from '../encryption/keyring';
import { codecToken } from '../encryption/codec-endpoint';
import type { CodecRoutesOptions } from './codec-routes';

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
