/**
 * API keys: `da_<key id>_<secret>`, 32 random bytes of secret, shown once. Only the
 * SHA-256 of the secret is stored (a slow hash adds nothing to 256 bits of entropy) and
 * compared in constant time.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

const KEY = /^da_([0-9a-f]{16})_([A-Za-z0-9_-]{43})$/;

export interface NewApiKey {
  keyId: string;
  /** The whole key, for the person who asked for it; never stored. */
  key: string;
  secretSha256: Buffer;
}

export function newApiKey(): NewApiKey {
  const keyId = randomBytes(8).toString('hex');
  const secret = randomBytes(32).toString('base64url');
  return { keyId, key: `da_${keyId}_${secret}`, secretSha256: hashSecret(secret) };
}

export function hashSecret(secret: string): Buffer {
  return createHash('sha256').update(secret, 'utf8').digest();
}

/** The key id and secret of a well-formed key; undefined otherwise. */
export function parseApiKey(key: string): { keyId: string; secret: string } | undefined {
  const m = KEY.exec(key);
  return m ? { keyId: m[1]!, secret: m[2]! } : undefined;
}

export function looksLikeApiKey(credential: string): boolean {
  return credential.startsWith('da_');
}

/** Whether `secret` hashes to `stored`, in time independent of where they differ. */
export function secretMatches(secret: string, stored: Buffer): boolean {
  const given = hashSecret(secret);
  return stored.length === given.length && timingSafeEqual(given, stored);
}
