/**
 * PII and secret guardrails: the detectors from pii-contact, pii-numbers and secrets run
 * in priority order, and a span already claimed by an earlier detector is not reported
 * again (a numeric QQ e-mail address is an e-mail, not a phone number).
 */
import { detectEmails, detectIpv4, detectIpv6, detectPhones } from './pii-contact';
import { detectCards, detectCnIds, detectIbans, detectSsns } from './pii-numbers';
import { detectSecrets } from './secrets';
import type { CheckResult, Finding, GuardMode, Guardrail } from './types';
import { actionFor } from './types';

/** PII kinds the detectors know, in the order they claim overlapping spans. */
export const PII_TYPES = ['email', 'cn_id', 'iban', 'card', 'ssn', 'phone', 'ipv6', 'ipv4'] as const;
export type PiiType = (typeof PII_TYPES)[number];

/** Finding types the secrets guardrail reports. */
export const SECRET_TYPES = ['api_key', 'jwt', 'private_key', 'secret'] as const;
export type SecretType = (typeof SECRET_TYPES)[number];

type Detect = (text: string, out: Finding[]) => void;

const PII_DETECTORS: Readonly<Record<PiiType, Detect>> = {
  email: detectEmails,
  cn_id: detectCnIds,
  iban: detectIbans,
  card: detectCards,
  ssn: detectSsns,
  phone: detectPhones,
  ipv6: detectIpv6,
  ipv4: detectIpv4,
};

/** Every PII finding in `text`, ordered by position, for the given kinds (all by default). */
export function detectPii(text: string, types: readonly PiiType[] = PII_TYPES): Finding[] {
  const out: Finding[] = [];
  for (const t of PII_TYPES) {
    if (types !== PII_TYPES && !types.includes(t)) continue;
    const before = out.length;
    PII_DETECTORS[t](text, out);
    if (before > 0 && out.length > before) dropOverlaps(out, before);
  }
  return out.sort((a, b) => a.start - b.start);
}

/** Credentials in `text`, ordered by position. */
export function detectSecretSpans(text: string): Finding[] {
  const out: Finding[] = [];
  detectSecrets(text, out);
  return out.sort((a, b) => a.start - b.start);
}

/** Keeps `out[from..]` only where it does not overlap `out[0..from)`. */
function dropOverlaps(out: Finding[], from: number): void {
  let w = from;
  for (let r = from; r < out.length; r++) {
    const f = out[r]!;
    let clash = false;
    for (let i = 0; i < from; i++) {
      const g = out[i]!;
      if (f.start < g.end && g.start < f.end) {
        clash = true;
        break;
      }
    }
    if (!clash) out[w++] = f;
  }
  out.length = w;
}

/** Options of the PII guardrail. */
export interface PiiGuardrailOptions {
  mode: GuardMode;
  /** Kinds to look for; all of {@link PII_TYPES} when omitted. */
  types?: readonly PiiType[];
}

/** Finds PII and, in `redact` mode, has the pipeline replace it. */
export function createPiiGuardrail(options: PiiGuardrailOptions): Guardrail {
  const types = options.types ?? PII_TYPES;
  return {
    name: 'pii',
    check(text): CheckResult {
      const findings = detectPii(text, types);
      return { action: actionFor(options.mode, findings), findings };
    },
  };
}

/** Finds provider keys, tokens, JWTs and private keys. */
export function createSecretsGuardrail(options: { mode: GuardMode }): Guardrail {
  return {
    name: 'secrets',
    check(text): CheckResult {
      const findings = detectSecretSpans(text);
      return { action: actionFor(options.mode, findings), findings };
    },
  };
}
