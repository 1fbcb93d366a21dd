/** The service's trust set-up from configuration: who it authenticates, and the key it signs decisions with. */
import type pg from 'pg';
import type { Config } from '../infra/config';
import { createAuthenticator, type Authenticate } from './authenticate';
import { DecisionSigner } from './decision-token';
import { OidcVerifier } from './oidc';
import { PrincipalStore } from './principal-store';
import { signingKeyFrom } from './signing-keys';

export function oidcFrom(config: Config): OidcVerifier | undefined {
  if (!config.DURABLE_AGENTS_OIDC_JWKS_URL) return undefined;
  return new OidcVerifier({
    jwksUrl: config.DURABLE_AGENTS_OIDC_JWKS_URL,
    issuer: config.DURABLE_AGENTS_OIDC_ISSUER!,
    audience: config.DURABLE_AGENTS_OIDC_AUDIENCE!,
    tenantClaim: config.DURABLE_AGENTS_OIDC_TENANT_CLAIM,
    rolesClaim: config.DURABLE_AGENTS_OIDC_ROLES_CLAIM,
    nameClaim: config.DURABLE_AGENTS_OIDC_NAME_CLAIM,
  });
}

export interface ServiceTrust {
  store: PrincipalStore;
  authenticate: Authenticate;
  /** Undefined without a signing key (TEMPORAL_ADDRESS set, DURABLE_AGENTS_SIGNING_KEY not): decisions are refused. */
  signer?: DecisionSigner;
}

export function serviceTrustFrom(config: Config, pool: pg.Pool): ServiceTrust {
  const store = new PrincipalStore(pool);
  const key = signingKeyFrom(config);
  return { store, authenticate: createAuthenticator({ store, oidc: oidcFrom(config) }), ...(key ? { signer: new DecisionSigner(key) } : {}) };
}
