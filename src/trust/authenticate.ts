/**
 * One way in for every entry point: `authenticate(bearer) → Principal`. An API key
 * (`da_…`) is looked up in Postgres; anything else is a JWT when OIDC is configured.
 * Errors say what is wrong (no credential, unknown or revoked key, expired token, wrong
 * issuer or audience) and never which part of a wrong key was right.
 */
import type { Principal } from '../shared/principal';
import { looksLikeApiKey, parseApiKey, secretMatches } from './api-keys';
import { AuthenticationError } from './errors';
import type { OidcVerifier } from './oidc';
import type { PrincipalStore } from './principal-store';

export type Authenticate = (authorization: string | undefined) => Promise<Principal>;

/** `Bearer <credential>` → the credential. */
function bearer(authorization: string | undefined): string {
  if (!authorization?.trim()) throw new AuthenticationError('no credential: send Authorization: Bearer <API key or token> (the CLI reads DURABLE_AGENTS_API_KEY or DURABLE_AGENTS_TOKEN)');
  const m = /^Bearer\s+(\S+)\s*$/i.exec(authorization.trim());
  if (!m) throw new AuthenticationError('the Authorization header must be "Bearer <API key or token>"');
  return m[1]!;
}

export function createAuthenticator(deps: { store: PrincipalStore; oidc?: OidcVerifier }): Authenticate {
  return async (authorization) => {
    const credential = bearer(authorization);
    if (looksLikeApiKey(credential)) {
      const parsed = parseApiKey(credential);
      if (!parsed) throw new AuthenticationError('malformed API key: expected da_<key id>_<secret> as keys create printed it');
      const stored = await deps.store.find(parsed.keyId);
      // One answer for an unknown id and a wrong secret: neither half of a guess is confirmed.
      if (!stored || !secretMatches(parsed.secret, stored.secretSha256)) throw new AuthenticationError('unknown API key');
      if (stored.revokedAt) throw new AuthenticationError(`API key ${stored.keyId} was revoked at ${stored.revokedAt.toISOString()}`);
      return stored.principal;
    }
    if (!deps.oidc) throw new AuthenticationError('not an API key (da_…), and this service accepts no other tokens (OIDC is not configured)');
    return deps.oidc.principal(credential);
  };
}
