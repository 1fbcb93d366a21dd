/**
 * Validation problems as people read them: `field: message`, the field as a dotted path
 * (`tenants.acme.dailyUsd`, `nodes.route.next[0]`). One formatter for every edge that
 * validates with zod — configuration, policy files, tool arguments, batch inputs — so
 * they all name fields alike. Takes the issue's shape, not zod's types: shared stays plain.
 */

/** What is needed of a zod issue. */
export interface IssueLike {
  path: readonly PropertyKey[];
  message: string;
  code?: string;
  /** Set on `unrecognized_keys` issues: the keys that should not be there. */
  keys?: readonly string[];
}

/** `a.b[0].c`, or `(root)` for the value itself. */
export function fieldPath(path: readonly PropertyKey[]): string {
  const out = path.reduce<string>((acc, part) => (typeof part === 'number' ? `${acc}[${part}]` : acc === '' ? String(part) : `${acc}.${String(part)}`), '');
  return out || '(root)';
}

/** One entry per bad field; an unknown key is named itself ("…dailyUSD: unknown field"), not its parent. */
export function describeIssues(issues: readonly IssueLike[], prefix: readonly PropertyKey[] = []): Array<{ field: string; message: string }> {
  return issues.flatMap((i) =>
    i.code === 'unrecognized_keys' && i.keys
      ? i.keys.map((k) => ({ field: fieldPath([...prefix, ...i.path, k]), message: 'unknown field' }))
      : [{ field: fieldPath([...prefix, ...i.path]), message: i.message }],
  );
}

/** All of them on one line: `a: …; b: …`. */
export function formatIssues(issues: readonly IssueLike[], prefix: readonly PropertyKey[] = []): string {
  return describeIssues(issues, prefix)
    .map((d) => `${d.field}: ${d.message}`)
    .join('; ');
}
