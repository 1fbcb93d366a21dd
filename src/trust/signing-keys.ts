/**
 * The keys of signed decisions. The service holds the Ed25519 private key
 * (DURABLE_AGENTS_SIGNING_KEY); workers hold only the public keys they trust for their
 * namespace (DURABLE_AGENTS_DECISION_KEYS, two during a rotation). On the embedded
 * default (no TEMPORAL_ADDRESS) a key pair is made once in the data directory, readable
 * by its owner only, and each side takes its part.
 */
import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import path from 'node:path';
import { readOrCreateSecret } from '../encryption/secret-file';
import { ConfigError } from '../infra/config';

const DEV_PRIVATE_KEY_FILE = 'decision-signing-key.pem';

function pemBlocks(text: string): string[] {
  return [...text.matchAll(/-----BEGIN [A-Z ]+-----[\s\S]+?-----END [A-Z ]+-----/g)].map((m) => m[0]);
}

function ed25519(key: KeyObject, variable: string): KeyObject {
  if (key.asymmetricKeyType !== 'ed25519') throw new ConfigError(`${variable}: expected an Ed25519 key, not ${key.asymmetricKeyType ?? 'a symmetric key'}`);
  return key;
}

/** DURABLE_AGENTS_SIGNING_KEY: PEM (PKCS#8) or base64 of the DER. */
export function parseSigningKey(text: string, variable = 'DURABLE_AGENTS_SIGNING_KEY'): KeyObject {
  try {
    const pem = pemBlocks(text)[0];
    const key = pem ? createPrivateKey(pem) : createPrivateKey({ key: Buffer.from(text.trim(), 'base64'), format: 'der', type: 'pkcs8' });
    return ed25519(key, variable);
  } catch (err) {
    if (err instanceof ConfigError) throw err;
    throw new ConfigError(`${variable}: not an Ed25519 private key in PEM or base64 PKCS#8 DER (${(err as Error).message})`);
  }
}

/** DURABLE_AGENTS_DECISION_KEYS: PEM blocks (SPKI), or base64 DER separated by commas or spaces. */
export function parseVerificationKeys(text: string, variable = 'DURABLE_AGENTS_DECISION_KEYS'): KeyObject[] {
  const parts = text.includes('-----BEGIN') ? pemBlocks(text) : text.split(/[\s,]+/).filter(Boolean);
  if (!parts.length) throw new ConfigError(`${variable}: no key found`);
  return parts.map((part, i) => {
    try {
      const key = part.startsWith('-----BEGIN') ? createPublicKey(part) : createPublicKey({ key: Buffer.from(part, 'base64'), format: 'der', type: 'spki' });
      return ed25519(key, variable);
    } catch (err) {
      if (err instanceof ConfigError) throw err;
      throw new ConfigError(`${variable}: key ${i + 1} is not an Ed25519 public key in PEM or base64 SPKI DER (${(err as Error).message})`);
    }
  });
}

/** The embedded default's key pair, made on first use in `dataDir` (mode 0600). */
export function devSigningKey(dataDir: string): KeyObject {
  const file = path.join(dataDir, DEV_PRIVATE_KEY_FILE);
  // Two processes starting at once keep the first key, never half of each.
  const pem = readOrCreateSecret(file, () => generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }) as string);
  return parseSigningKey(pem, file);
}

interface KeyConfig {
  TEMPORAL_ADDRESS?: string;
  DURABLE_AGENTS_DATA_DIR: string;
  DURABLE_AGENTS_SIGNING_KEY?: string;
  DURABLE_AGENTS_DECISION_KEYS?: string;
}

/** The service's signing key: configured, else (embedded default) the data directory's; undefined when neither applies. */
export function signingKeyFrom(config: KeyConfig): KeyObject | undefined {
  if (config.DURABLE_AGENTS_SIGNING_KEY) return parseSigningKey(config.DURABLE_AGENTS_SIGNING_KEY);
  return config.TEMPORAL_ADDRESS ? undefined : devSigningKey(config.DURABLE_AGENTS_DATA_DIR);
}

/** The public keys a worker trusts: configured, else the signing key's, else (embedded default) the data directory's; empty refuses every decision. */
export function verificationKeysFrom(config: KeyConfig): KeyObject[] {
  if (config.DURABLE_AGENTS_DECISION_KEYS) return parseVerificationKeys(config.DURABLE_AGENTS_DECISION_KEYS);
  // A process given the private key (the service and a worker in one, as in dev) trusts its public part.
  if (config.DURABLE_AGENTS_SIGNING_KEY) return [createPublicKey(parseSigningKey(config.DURABLE_AGENTS_SIGNING_KEY))];
  return config.TEMPORAL_ADDRESS ? [] : [createPublicKey(devSigningKey(config.DURABLE_AGENTS_DATA_DIR))];
}
