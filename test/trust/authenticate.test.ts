/**
 * `authenticate(bearer) → Principal` against a real Postgres and a JWKS server started
 * here: API keys (made, found, a wrong secret and an unknown id refused alike, revoked
 * ones refused), and OIDC tokens (accepted with the configured claims; a wrong issuer or
 * audience, an expired token and a token signed by a key the JWKS lacks refused).
 */
import { createServer, type Server } from 'node:http';
import type * as Jose from 'jose' with { 'resolution-mode': 'import' };
import type pg from 'pg';
import { createPool } from '../../src/infra/postgres';
import { createAuthenticator, type Authenticate } from '../../src/trust/authenticate';
import { OidcVerifier } from '../../src/trust/oidc';
import { PrincipalStore } from '../../src/trust/principal-store';
import { testEnv } from '../support/harness';
import { listenOnLoopback } from '../support/http';

const ISSUER = 'https://idp.test/';
const AUDIENCE = 'durable-agents';
let pool: pg.Pool;
let store: PrincipalStore;
let authenticate: Authenticate;
let jwks: Server;
type Key = Jose.CryptoKey;
let jose: typeof Jose;
let signingKey: Key;
let strangerKey: Key;

beforeAll(async () => {
  // jose is ESM-only: a real dynamic import (jest.config.js compiles it for this file).
  jose = await import('jose');
  const { exportJWK, generateKeyPair } = jose;
  pool = createPool({ connectionString: testEnv().databaseUrl, max: 2 });
  store = new PrincipalStore(pool);
  const ours = await generateKeyPair('ES256');
  signingKey = ours.privateKey;
  strangerKey = (await generateKeyPair('ES256')).privateKey;
  const jwk: Jose.JWK = { ...(await exportJWK(ours.publicKey)), kid: 'k1', alg: 'ES256', use: 'sig' };
  jwks = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ keys: [jwk] }));
  });
  const url = await listenOnLoopback(jwks);
  const oidc = new OidcVerifier({ jwksUrl: `${url}/jwks.json`, issuer: ISSUER, audience: AUDIENCE, tenantClaim: 'https://example.com/tenant', rolesClaim: 'realm.roles', nameClaim: 'name' });
  authenticate = createAuthenticator({ store, oidc });
});
afterAll(async () => {
  await pool?.end();
  await new Promise((r) => jwks?.close(r));
});

const refusal = (bearer: string | undefined) => authenticate(bearer).then(() => 'accepted', (e: Error) => e.message);

describe('API keys', () => {
  test('a new key authenticates as its principal; the key is shown once and only its hash is stored', async () => {
    const { record, key } = await store.create({ name: 'Alice Approver', tenant: 'acme', roles: ['approver', 'viewer'] });
    expect(key).toMatch(/^da_[0-9a-f]{16}_[A-Za-z0-9_-]{43}$/);
    expect(await authenticate(`Bearer ${key}`)).toEqual({ id: `key:${record.keyId}`, name: 'Alice Approver', kind: 'person', tenant: 'acme', roles: ['approver', 'viewer'] });
    const { rows } = await pool.query('SELECT * FROM api_keys WHERE key_id = $1', [record.keyId]);
    expect(JSON.stringify(rows)).not.toContain(key.split('_').slice(2).join('_'));
  });

  test('a wrong secret and an unknown key id get the same answer', async () => {
    const { key } = await store.create({ name: 'bob', tenant: 'acme', roles: ['viewer'] });
    const wrongSecret = `${key.slice(0, -4)}AAAA`;
    const unknownId = `da_0123456789abcdef_${key.split('_').slice(2).join('_')}`;
    expect(await refusal(`Bearer ${wrongSecret}`)).toBe('unknown API key');
    expect(await refusal(`Bearer ${unknownId}`)).toBe('unknown API key');
    expect(await refusal('Bearer da_nope')).toMatch(/^malformed API key/);
  });

  test('a revoked key authenticates no more, and says so', async () => {
    const { record, key } = await store.create({ name: 'carol', tenant: 'acme', roles: ['approver'] });
    await store.revoke(record.keyId);
    expect(await refusal(`Bearer ${key}`)).toMatch(new RegExp(`^API key ${record.keyId} was revoked at \\d{4}-`));
  });

  test('no credential, or no Bearer, is refused with what to send', async () => {
    expect(await refusal(undefined)).toMatch(/^no credential: send Authorization: Bearer/);
    expect(await refusal('Basic YWxpY2U6c2VjcmV0')).toMatch(/must be "Bearer <API key or token>"/);
  });

  test('bad principals are refused before anything is stored, naming the option', async () => {
    await expect(store.create({ name: ' ', tenant: 'acme', roles: ['viewer'] })).rejects.toThrow(/--name must be 1 to 200 characters/);
    await expect(store.create({ name: 'x', tenant: 'ACME!', roles: ['viewer'] })).rejects.toThrow(/--tenant "ACME!" is not a tenant id/);
    await expect(store.create({ name: 'x', tenant: 'acme', roles: [] })).rejects.toThrow(/--role is required/);
    await expect(store.revoke('0123456789abcdef')).rejects.toThrow(/no API key with id 0123456789abcdef/);
  });
});

describe('OIDC tokens', () => {
  const token = (claims: Record<string, unknown> = {}, o: { key?: Key; iss?: string; aud?: string; exp?: number | string } = {}) =>
    new jose.SignJWT({ 'https://example.com/tenant': 'acme', realm: { roles: ['approver'] }, name: 'Dana', ...claims })
      .setProtectedHeader({ alg: 'ES256', kid: 'k1' })
      .setSubject('dana@idp')
      .setIssuer(o.iss ?? ISSUER)
      .setAudience(o.aud ?? AUDIENCE)
      .setIssuedAt()
      .setExpirationTime(o.exp ?? '5m')
      .sign(o.key ?? signingKey);

  test('a token from the JWKS, issuer and audience configured is accepted with its tenant, roles and name claims', async () => {
    expect(await authenticate(`Bearer ${await token()}`)).toEqual({ id: 'oidc:dana@idp', name: 'Dana', kind: 'person', tenant: 'acme', roles: ['approver'] });
    // Roles as a space-separated string, unknown roles left out.
    expect((await authenticate(`Bearer ${await token({ realm: { roles: 'operator superuser' } })}`)).roles).toEqual(['operator']);
  });

  test('a wrong issuer, a wrong audience, an expired token and a foreign key are refused, each saying why', async () => {
    expect(await refusal(`Bearer ${await token({}, { iss: 'https://evil.test/' })}`)).toBe("the token's issuer is not https://idp.test/");
    expect(await refusal(`Bearer ${await token({}, { aud: 'someone-else' })}`)).toBe("the token's audience does not include durable-agents");
    expect(await refusal(`Bearer ${await token({}, { exp: Math.floor(Date.now() / 1000) - 600 })}`)).toMatch(/^the token expired at \d{4}-/);
    expect(await refusal(`Bearer ${await token({}, { key: strangerKey })}`)).toBe("the token's signature does not verify");
  });

  test('a token without a tenant or a known role is refused, naming the claim', async () => {
    expect(await refusal(`Bearer ${await token({ 'https://example.com/tenant': undefined })}`)).toBe('the token has no tenant in claim "https://example.com/tenant"');
    expect(await refusal(`Bearer ${await token({ realm: { roles: ['superuser'] } })}`)).toMatch(/^the token has no role in claim "realm.roles"/);
    expect(await refusal('Bearer not.a.jwt')).toBe('the token is malformed');
  });

  test('without OIDC configured, only API keys are accepted', async () => {
    const keysOnly = createAuthenticator({ store });
    expect(await keysOnly(`Bearer ${await token()}`).catch((e: Error) => e.message)).toMatch(/OIDC is not configured/);
  });
});
