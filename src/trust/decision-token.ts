/**
 * Decision tokens: the proof a workflow asks for before it records an approval, a
 * rejection or an escalation answer. The service authenticates the person, checks their
 * role and tenant, and signs a short-lived token (Ed25519) naming exactly what they
 * decided: the namespace, the workflow, the call (or escalation node), the arguments'
 * hash, the decision and its text, who, with which role, in which tenant. The workflow
 * verifies it in a local activity with the namespace's public keys; whoever can only
 * write to Temporal cannot make one.
 *
 * Format: `<base64url(JSON claims)>.<base64url(signature over the first part)>`. One
 * algorithm, no header to negotiate it.
 */
import { createHash, createPublicKey, randomBytes, sign, verify, type KeyObject } from 'node:crypto';
import { coversTenant, DECIDING_ROLES, ROLES, type Principal, type Role } from '../shared/principal';
import type { Decider } from '../shared/run-types';

/** How long a token is good for: enough for one request, too short to keep. */
export const DECISION_TOKEN_TTL_SECONDS = 300;
/** Clocks of the service and of the workflow may differ this much. */
const CLOCK_SKEW_SECONDS = 60;

export type DecisionKind = 'approve' | 'reject' | 'answer';

export interface DecisionClaims {
  v: 1;
  /** Id of the signing key (see {@link keyId}). */
  kid: string;
  /** Temporal namespace. */
  ns: string;
  /** Workflow id of the run or flow. */
  wf: string;
  kind: DecisionKind;
  /** The call id (approve, reject) or escalation node id (answer). */
  target: string;
  /** SHA-256 of the call's canonical arguments (approve, reject). */
  argsHash?: string;
  /** SHA-256 of the reason (reject) or the answer (answer), exactly as sent. */
  textHash?: string;
  /** Principal id, name and kind. */
  sub: string;
  name: string;
  /** The role the principal acts with, and its tenant (`*` for all). */
  role: Role;
  tenant: string;
  /** Seconds since the epoch. */
  iat: number;
  exp: number;
  nonce: string;
}

/** What a workflow expects a token to say: its own facts, never the sender's. */
export interface DecisionExpectation {
  namespace: string;
  workflowId: string;
  kind: DecisionKind;
  target: string;
  argsHash?: string;
  text?: string;
  /** The run's tenant. */
  tenant: string;
  /** Set when the agent's policy asks for four eyes: the principal who started the run (undefined: not known). */
  fourEyes?: { requestedBy?: string };
}

export type DecisionVerdict = { ok: true; decider: Decider; nonce: string } | { ok: false; reason: string };

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/** The first 16 hex digits of the SHA-256 of the public key (SPKI DER): names a key without revealing anything. */
export function keyId(publicKey: KeyObject): string {
  return createHash('sha256').update(publicKey.export({ type: 'spki', format: 'der' })).digest('hex').slice(0, 16);
}

const b64 = (buf: Buffer) => buf.toString('base64url');

/** Signs decision tokens with the service's Ed25519 private key. */
export class DecisionSigner {
  readonly kid: string;
  readonly publicKey: KeyObject;

  constructor(
    private readonly privateKey: KeyObject,
    private readonly now: () => number = Date.now,
  ) {
    if (privateKey.asymmetricKeyType !== 'ed25519' || privateKey.type !== 'private') throw new Error('the decision signing key must be an Ed25519 private key');
    this.publicKey = createPublicKey(privateKey);
    this.kid = keyId(this.publicKey);
  }

  /** A token for `principal` deciding `what` as `role`, good for {@link DECISION_TOKEN_TTL_SECONDS}. */
  sign(principal: Principal, role: Role, what: { namespace: string; workflowId: string; kind: DecisionKind; target: string; argsHash?: string; text?: string }, ttlSeconds = DECISION_TOKEN_TTL_SECONDS): string {
    const iat = Math.floor(this.now() / 1000);
    const claims: DecisionClaims = {
      v: 1,
      kid: this.kid,
      ns: what.namespace,
      wf: what.workflowId,
      kind: what.kind,
      target: what.target,
      ...(what.argsHash !== undefined ? { argsHash: what.argsHash } : {}),
      ...(what.text !== undefined ? { textHash: sha256Hex(what.text) } : {}),
      sub: principal.id,
      name: principal.name,
      role,
      tenant: principal.tenant,
      iat,
      exp: iat + ttlSeconds,
      nonce: b64(randomBytes(12)),
    };
    return signClaims(claims, this.privateKey);
  }
}

/** Signs any claims; the signer above is the only caller outside tests. */
export function signClaims(claims: DecisionClaims, privateKey: KeyObject): string {
  const body = b64(Buffer.from(JSON.stringify(claims), 'utf8'));
  return `${body}.${b64(sign(null, Buffer.from(body, 'ascii'), privateKey))}`;
}

/** The claims of a token without checking anything: for tests and for people reading history. */
export function readClaims(token: string): DecisionClaims | undefined {
  try {
    return JSON.parse(Buffer.from(token.split('.')[0] ?? '', 'base64url').toString('utf8')) as DecisionClaims;
  } catch {
    return undefined;
  }
}

const refuse = (reason: string): DecisionVerdict => ({ ok: false, reason });

/**
 * Checks a token against the namespace's public keys (two during a rotation) and the
 * workflow's own facts at `nowMs` (workflow time). Every refusal says what is wrong; none
 * says which part of a forged token was right.
 */
export function verifyDecisionToken(token: unknown, keys: readonly KeyObject[], expect: DecisionExpectation, nowMs: number): DecisionVerdict {
  if (typeof token !== 'string' || !/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/.test(token)) return refuse('the decision token is missing or malformed');
  const [body, signature] = token.split('.') as [string, string];
  const claims = readClaims(token);
  if (!claims || typeof claims !== 'object') return refuse('the decision token is malformed');
  if (!keys.length) return refuse(`this worker has no decision verification key for namespace ${expect.namespace} (DURABLE_AGENTS_DECISION_KEYS)`);
  const key = keys.find((k) => keyId(k) === claims.kid);
  if (!key) return refuse(`the decision token is signed with key ${String(claims.kid)}, which namespace ${expect.namespace} does not trust (trusted: ${keys.map(keyId).join(', ')})`);
  if (!verify(null, Buffer.from(body, 'ascii'), key, Buffer.from(signature, 'base64url'))) return refuse('the decision token\'s signature does not verify');
  // Signed by the service: from here on, the claims are what it decided.
  if (claims.v !== 1) return refuse(`decision token version ${String(claims.v)} is not supported`);
  const now = nowMs / 1000;
  if (!(claims.exp > now)) return refuse(`the decision token expired at ${new Date(claims.exp * 1000).toISOString()}`);
  if (claims.iat > now + CLOCK_SKEW_SECONDS) return refuse(`the decision token was issued in the future (${new Date(claims.iat * 1000).toISOString()})`);
  if (claims.ns !== expect.namespace) return refuse(`the decision token is for namespace ${claims.ns}, not ${expect.namespace}`);
  if (claims.wf !== expect.workflowId) return refuse(`the decision token is for workflow ${claims.wf}, not ${expect.workflowId}`);
  if (claims.kind !== expect.kind) return refuse(`the decision token says ${claims.kind}, not ${expect.kind}`);
  if (claims.target !== expect.target) return refuse(`the decision token is for ${claims.target}, not ${expect.target}`);
  if (expect.argsHash !== undefined && claims.argsHash !== expect.argsHash) return refuse('the decision token names other arguments than the pending call\'s');
  if ((expect.text === undefined ? undefined : sha256Hex(expect.text)) !== claims.textHash) return refuse(`the decision token names another ${expect.kind === 'answer' ? 'answer' : 'reason'} than the one sent`);
  if (!(ROLES as readonly string[]).includes(claims.role) || !DECIDING_ROLES.includes(claims.role)) return refuse(`${claims.name} acts as ${claims.role}; deciding needs ${DECIDING_ROLES.join(' or ')}`);
  if (!coversTenant(claims.tenant, expect.tenant)) return refuse(`${claims.name} belongs to tenant ${claims.tenant}, not ${expect.tenant}`);
  if (expect.fourEyes) {
    if (!expect.fourEyes.requestedBy) return refuse('the agent asks for four eyes, and this run does not say who requested it (start it through the service: POST /v1/runs)');
    if (expect.fourEyes.requestedBy === claims.sub) return refuse(`the agent asks for four eyes: ${claims.name} requested this run and cannot also approve it`);
  }
  return { ok: true, decider: { id: claims.sub, name: claims.name, role: claims.role, tenant: claims.tenant }, nonce: claims.nonce };
}
