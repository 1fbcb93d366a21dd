import { createHash } from 'node:crypto';
import { canonicalJson } from '../shared/canonical-json';

/** The hash an approval must quote: it binds the approval to these exact arguments. */
export function argsHash(args: unknown): string {
  return createHash('sha256').update(canonicalJson(args)).digest('hex');
}
