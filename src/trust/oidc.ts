/**
 * OIDC / JWT bearer tokens, checked with `jose` against the configured JWKS URL, issuer
 * and audience. Tenant and roles come from configurable claims, so an identity provider's
 * own claim names (`https://example.com/tenant`, `groups`) work as they are.
 */
import type * as Jose from 'jose' with { 'resolution-mode': 'import' };
import type { JWTPayload, JWTVerifyGetKey } from 'jose' with { 'resolution-mode': 'import' };
import { ALL_TENANTS, ROLES, type Principal, type Role } from '../shared/principal';
import { AuthenticationError } from './errors';

export interface OidcOptions {
  jwksUrl: string;
  issuer: string;
  audience: string;
  tenantClaim: string;
  rolesClaim: string;
  nameClaim: string;
}

/** A claim by name: a top-level key, or a dotted path into nested objects. */
function claim(payload: JWTPayload, name: string): unknown {
  if (name in payload) return payload[name];
  return name.split('.').reduce<unknown>((v, k) => (v && typeof v === 'object' ? (v as Record<string, unknown>)[k] : undefined), payload);
}

/** jose's error, by its stable `code` (jose is ESM-only and loaded lazily, so no classes to test against). */
interface JoseError {
  code?: string;
  claim?: string;
  reason?: string;
  payload?: JWTPayload;
  message?: string;
}

function why(err: unknown, o: OidcOptions): string {
  const e = (err ?? {}) as JoseError;
  switch (e.code) {
    case 'ERR_JWT_EXPIRED':
      return `the token expired${typeof e.payload?.exp === 'number' ? ` at ${new Date(e.payload.exp * 1000).toISOString()}` : ''}`;
    case 'ERR_JWT_CLAIM_VALIDATION_FAILED':
      if (e.claim === 'iss') return `the token's issuer is not ${o.issuer}`;
      if (e.claim === 'aud') return `the token's audience does not include ${o.audience}`;
      if (e.claim === 'nbf') return 'the token is not valid yet';
      return `the token's ${e.claim ?? 'claims'} claim is invalid (${e.reason ?? 'check failed'})`;
    case 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED':
      return "the token's signature does not verify";
    case 'ERR_JWKS_NO_MATCHING_KEY':
    case 'ERR_JWKS_MULTIPLE_MATCHING_KEYS':
      return 'the token is signed with a key the JWKS does not hold';
    case 'ERR_JOSE_ALG_NOT_ALLOWED':
    case 'ERR_JOSE_NOT_SUPPORTED':
      return 'the token uses an algorithm this service does not accept';
    case 'ERR_JWS_INVALID':
    case 'ERR_JWT_INVALID':
      return 'the token is malformed';
    case 'ERR_JWKS_TIMEOUT':
    case 'ERR_JWKS_INVALID':
      return `the JWKS at ${o.jwksUrl} cannot be read now`;
    default:
      return `the token cannot be checked: ${e.message ?? String(err)}`;
  }
}

/** jose, loaded on first use: it is ESM-only, and this CommonJS build loads it with a real dynamic import. */
let jose: Promise<typeof Jose> | undefined;
const loadJose = () => (jose ??= import('jose'));

export class OidcVerifier {
  private keys: JWTVerifyGetKey | undefined;

  constructor(private readonly o: OidcOptions) {}

  async principal(token: string): Promise<Principal> {
    let payload: JWTPayload;
    try {
      const { createRemoteJWKSet, jwtVerify } = await loadJose();
      // One key set per verifier: jose caches the JWKS and refetches it for an unknown key id.
      this.keys ??= createRemoteJWKSet(new URL(this.o.jwksUrl));
      ({ payload } = await jwtVerify(token, this.keys, { issuer: this.o.issuer, audience: this.o.audience, requiredClaims: ['sub', 'exp'] }));
    } catch (err) {
      throw new AuthenticationError(why(err, this.o), err);
    }
    const tenant = claim(payload, this.o.tenantClaim);
    if (typeof tenant !== 'string' || !tenant) throw new AuthenticationError(`the token has no tenant in claim "${this.o.tenantClaim}"`);
    const raw = claim(payload, this.o.rolesClaim);
    const listed = Array.isArray(raw) ? raw : typeof raw === 'string' ? raw.split(/[\s,]+/) : [];
    const roles = listed.filter((r): r is Role => (ROLES as readonly unknown[]).includes(r));
    if (!roles.length) throw new AuthenticationError(`the token has no role in claim "${this.o.rolesClaim}" (one of: ${ROLES.join(', ')})`);
    const name = claim(payload, this.o.nameClaim);
    return {
      id: `oidc:${payload.sub!}`,
      name: typeof name === 'string' && name ? name : payload.sub!,
      kind: 'person',
      tenant: tenant === ALL_TENANTS ? ALL_TENANTS : tenant,
      roles,
    };
  }
}
