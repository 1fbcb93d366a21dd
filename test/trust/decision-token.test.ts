/**
 * Decision tokens, unit by unit: a token the service signed for exactly this decision
 * verifies; each way a token can be wrong is refused with its own reason, and a token one
 * claim of which was changed, or signed with another key, is refused whatever it says.
 */
import { createPublicKey, generateKeyPairSync } from 'node:crypto';
import type { Principal } from '../../src/shared/principal';
import { DecisionSigner, keyId, readClaims, signClaims, verifyDecisionToken, type DecisionClaims, type DecisionExpectation } from '../../src/trust/decision-token';
import { parseSigningKey, parseVerificationKeys } from '../../src/trust/signing-keys';

const NOW = Date.parse('2026-01-01T12:00:00Z');
const { privateKey } = generateKeyPairSync('ed25519');
const signer = new DecisionSigner(privateKey, () => NOW);
const keys = [createPublicKey(privateKey)];
const alice: Principal = { id: 'key:aaaaaaaaaaaaaaaa', name: 'alice', kind: 'person', tenant: 'acme', roles: ['approver'] };
const HASH = 'a'.repeat(64);
const expect_: DecisionExpectation = { namespace: 'default', workflowId: 'run-acme-1', kind: 'approve', target: 'call_2_0', argsHash: HASH, tenant: 'acme' };
const what = { namespace: 'default', workflowId: 'run-acme-1', kind: 'approve' as const, target: 'call_2_0', argsHash: HASH };

const verdict = (token: unknown, e: Partial<DecisionExpectation> = {}, at = NOW, k = keys) => verifyDecisionToken(token, k, { ...expect_, ...e }, at);
const reason = (v: ReturnType<typeof verdict>) => (v.ok ? 'accepted' : v.reason);

test('a token for exactly this decision verifies and names who decided, with which role', () => {
  const v = verdict(signer.sign(alice, 'approver', what));
  expect(v).toEqual({ ok: true, decider: { id: alice.id, name: 'alice', role: 'approver', tenant: 'acme' }, nonce: expect.any(String) });
});

test('each claim that does not match the workflow is refused, naming the claim', () => {
  const token = signer.sign(alice, 'approver', what);
  expect(reason(verdict(token, { namespace: 'prod' }))).toMatch(/namespace default, not prod/);
  expect(reason(verdict(token, { workflowId: 'run-acme-2' }))).toMatch(/workflow run-acme-1, not run-acme-2/);
  expect(reason(verdict(token, { target: 'call_3_0' }))).toMatch(/for call_2_0, not call_3_0/);
  expect(reason(verdict(token, { kind: 'reject' }))).toMatch(/says approve, not reject/);
  expect(reason(verdict(token, { argsHash: 'b'.repeat(64) }))).toMatch(/other arguments/);
  expect(reason(verdict(token, { tenant: 'globex' }))).toMatch(/alice belongs to tenant acme, not globex/);
});

test('a reason or answer is bound: another text than the signed one is refused', () => {
  const token = signer.sign(alice, 'approver', { ...what, kind: 'reject', text: 'too expensive' });
  expect(verdict(token, { kind: 'reject', text: 'too expensive' }).ok).toBe(true);
  expect(reason(verdict(token, { kind: 'reject', text: 'fine, pay it' }))).toMatch(/another reason/);
  expect(reason(verdict(token, { kind: 'reject' }))).toMatch(/another reason/);
});

test('only approvers and admins decide; a principal of every tenant decides in any', () => {
  expect(reason(verdict(signer.sign({ ...alice, roles: ['viewer'] }, 'viewer', what)))).toMatch(/acts as viewer; deciding needs approver or admin/);
  expect(reason(verdict(signer.sign({ ...alice, roles: ['operator'] }, 'operator', what)))).toMatch(/acts as operator/);
  expect(verdict(signer.sign({ ...alice, roles: ['admin'] }, 'admin', what)).ok).toBe(true);
  expect(verdict(signer.sign({ ...alice, tenant: '*' }, 'approver', what), { tenant: 'globex' }).ok).toBe(true);
});

test('four eyes: the requester cannot approve, another approver can, and an unknown requester is no proof', () => {
  const token = signer.sign(alice, 'approver', what);
  expect(reason(verdict(token, { fourEyes: { requestedBy: alice.id } }))).toMatch(/four eyes: alice requested this run/);
  expect(verdict(token, { fourEyes: { requestedBy: 'key:bbbbbbbbbbbbbbbb' } }).ok).toBe(true);
  expect(reason(verdict(token, { fourEyes: {} }))).toMatch(/does not say who requested it/);
});

test('expiry and issue time are checked against the workflow clock', () => {
  const token = signer.sign(alice, 'approver', what);
  expect(verdict(token, {}, NOW + 299_000).ok).toBe(true);
  expect(reason(verdict(token, {}, NOW + 300_000))).toMatch(/expired at 2026-01-01T12:05:00.000Z/);
  expect(reason(verdict(token, {}, NOW - 120_000))).toMatch(/issued in the future/);
});

test('forged tokens are refused: another key, one changed claim, a re-used signature, garbage', () => {
  const other = new DecisionSigner(generateKeyPairSync('ed25519').privateKey, () => NOW);
  expect(reason(verdict(other.sign(alice, 'approver', what)))).toMatch(/signed with key [0-9a-f]{16}, which namespace default does not trust/);
  const token = signer.sign({ ...alice, roles: ['viewer'] }, 'viewer', what);
  const claims = readClaims(token)!;
  const [, signature] = token.split('.');
  for (const change of [{ role: 'approver' }, { tenant: '*' }, { exp: claims.exp + 3600 }, { sub: 'key:bbbbbbbbbbbbbbbb' }, { target: 'call_3_0' }] as Array<Partial<DecisionClaims>>) {
    const body = Buffer.from(JSON.stringify({ ...claims, ...change })).toString('base64url');
    expect(reason(verdict(`${body}.${signature}`))).toBe("the decision token's signature does not verify");
  }
  // A forger who knows the kid still needs the key: signed with another key under this kid.
  const impostor = signClaims({ ...claims, role: 'approver' }, generateKeyPairSync('ed25519').privateKey);
  expect(reason(verdict(impostor))).toBe("the decision token's signature does not verify");
  for (const junk of [undefined, '', 'alice', 'a.b.c', 42, { token: 'x' }]) expect(verdict(junk).ok).toBe(false);
});

test('a worker without keys refuses every decision, saying why', () => {
  expect(reason(verdict(signer.sign(alice, 'approver', what), {}, NOW, []))).toMatch(/no decision verification key for namespace default \(DURABLE_AGENTS_DECISION_KEYS\)/);
});

test('rotation: a worker trusting the old and the new key accepts tokens of both', () => {
  const next = generateKeyPairSync('ed25519');
  const both = [keys[0]!, next.publicKey];
  expect(verdict(signer.sign(alice, 'approver', what), {}, NOW, both).ok).toBe(true);
  expect(verdict(new DecisionSigner(next.privateKey, () => NOW).sign(alice, 'approver', what), {}, NOW, both).ok).toBe(true);
});

test('keys from configuration: PEM or base64 DER, Ed25519 only, each problem naming the variable', () => {
  const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
  const der = (privateKey.export({ type: 'pkcs8', format: 'der' }) as Buffer).toString('base64');
  expect(keyId(createPublicKey(parseSigningKey(pem)))).toBe(signer.kid);
  expect(keyId(createPublicKey(parseSigningKey(der)))).toBe(signer.kid);
  const pubPem = keys[0]!.export({ type: 'spki', format: 'pem' }) as string;
  const next = generateKeyPairSync('ed25519').publicKey;
  const pubDer = (next.export({ type: 'spki', format: 'der' }) as Buffer).toString('base64');
  expect(parseVerificationKeys(`${pubPem}\n${next.export({ type: 'spki', format: 'pem' }) as string}`).map(keyId)).toEqual([signer.kid, keyId(next)]);
  expect(parseVerificationKeys(`${(keys[0]!.export({ type: 'spki', format: 'der' }) as Buffer).toString('base64')}, ${pubDer}`).map(keyId)).toEqual([signer.kid, keyId(next)]);
  const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
  expect(() => parseSigningKey(rsa)).toThrow(/DURABLE_AGENTS_SIGNING_KEY: expected an Ed25519 key, not rsa/);
  expect(() => parseSigningKey('not a key')).toThrow(/DURABLE_AGENTS_SIGNING_KEY: not an Ed25519 private key/);
  expect(() => parseVerificationKeys('bm90IGEga2V5')).toThrow(/DURABLE_AGENTS_DECISION_KEYS: key 1 is not an Ed25519 public key/);
});
