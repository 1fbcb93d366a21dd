/**
 * The small expression language of flows: dotted paths, `{{…}}` templates and declarative
 * conditions. Pure and deterministic (no eval), so the workflow and the validator share it.
 */
import type { FlowComparison, FlowCondition, FlowNodeOutput } from './flow-types';

/** What templates and conditions can see while a node starts. */
export interface FlowScope {
  input: string;
  /** Results of settled nodes, by id. */
  nodes: Record<string, FlowNodeOutput>;
  /** The list element of a map node's run, and its 0-based index. */
  item?: unknown;
  index?: number;
  /** Inside a loop node: the round (1-based) and the previous round's result. */
  loop?: { round: number; previous?: FlowNodeOutput };
}

/** A parsed placeholder reference, e.g. `nodes.route.output.category`. */
export type FlowRef =
  | { root: 'input' }
  | { root: 'index' }
  | { root: 'item'; path: string }
  | { root: 'nodes'; node: string; path: string }
  | { root: 'loop'; path: string };

const PLACEHOLDER = /\{\{([^{}]*)\}\}/g;
const SEGMENT = /^[A-Za-z0-9_-]+$/;

/** Splits "a.b.0" into segments; an empty path is the value itself. */
function segments(path: string): string[] {
  return path === '' ? [] : path.split('.');
}

/** True when `path` is a well-formed dotted path (letters, digits, `_`, `-` per segment). */
export function isPath(path: string): boolean {
  return segments(path).every((s) => SEGMENT.test(s));
}

/** The value at a dotted path; list elements by index. Missing anything → undefined. */
export function getPath(value: unknown, path: string): unknown {
  let v = value;
  for (const key of segments(path)) {
    if (v === null || typeof v !== 'object') return undefined;
    if (Array.isArray(v)) {
      if (!/^\d+$/.test(key)) return key === 'length' ? v.length : undefined;
      v = v[Number(key)];
    } else {
      v = Object.prototype.hasOwnProperty.call(v, key) ? (v as Record<string, unknown>)[key] : undefined;
    }
  }
  return v;
}

/** Parses one placeholder expression (without `??` alternatives); an error text if malformed. */
export function parseRef(expr: string): FlowRef | { error: string } {
  const [head = '', ...rest] = expr.split('.');
  const path = rest.join('.');
  if (!isPath(path) || (rest.length > 0 && path === '')) return { error: `malformed path in "{{${expr}}}"` };
  switch (head) {
    case 'input':
    case 'index':
      return rest.length ? { error: `"{{${expr}}}": ${head} has no fields` } : { root: head };
    case 'item':
      return { root: 'item', path };
    case 'loop':
      return { root: 'loop', path };
    case 'nodes': {
      const [node, ...p] = rest;
      if (!node) return { error: `"{{${expr}}}" names no node: use {{nodes.<id>.answer}}` };
      return { root: 'nodes', node, path: p.join('.') };
    }
    default:
      return { error: `unknown placeholder "{{${expr}}}" (use input, nodes.<id>…, item, index or loop…)` };
  }
}

/** Every placeholder of a template, each as its `??` alternatives. */
export function placeholders(template: string): string[][] {
  return [...template.matchAll(PLACEHOLDER)].map((m) => (m[1] ?? '').split('??').map((s) => s.trim()));
}

function resolve(ref: FlowRef, scope: FlowScope): unknown {
  switch (ref.root) {
    case 'input':
      return scope.input;
    case 'index':
      return scope.index;
    case 'item':
      return getPath(scope.item, ref.path);
    case 'loop':
      return getPath(scope.loop, ref.path);
    case 'nodes':
      return getPath(scope.nodes[ref.node], ref.path);
  }
}

function isEmpty(v: unknown): boolean {
  return v === undefined || v === null || v === '' || (Array.isArray(v) && v.length === 0);
}

function text(v: unknown): string {
  if (v === undefined || v === null) return '';
  return typeof v === 'string' ? v : JSON.stringify(v);
}

/** The value of one placeholder: the first of its `??` alternatives that is not empty. */
export function lookup(alternatives: string[], scope: FlowScope): unknown {
  for (const expr of alternatives) {
    const ref = parseRef(expr);
    if ('error' in ref) continue;
    const v = resolve(ref, scope);
    if (!isEmpty(v)) return v;
  }
  return undefined;
}

/** Fills `{{…}}` placeholders; objects become JSON, missing values empty text. */
export function renderTemplate(template: string, scope: FlowScope): string {
  return template.replace(PLACEHOLDER, (_m, body: string) => text(lookup(body.split('??').map((s) => s.trim()), scope)));
}

/**
 * The JSON an agent put in its answer, if any: the whole answer, else the span from its
 * first `{` (or `[`) to its last `}` (or `]`) — models like to wrap JSON in prose.
 */
export function parseOutput(answer: string): unknown {
  const attempts = [answer.trim()];
  for (const [open, close] of [['{', '}'], ['[', ']']] as const) {
    const i = answer.indexOf(open);
    const j = answer.lastIndexOf(close);
    if (i >= 0 && j > i) attempts.push(answer.slice(i, j + 1));
  }
  for (const s of attempts) {
    try {
      const v: unknown = JSON.parse(s);
      if (v !== null && typeof v === 'object') return v;
    } catch {
      // not JSON; try the next span
    }
  }
  return undefined;
}

function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  return ka.length === kb.length && ka.every((k) => deepEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}

function num(v: unknown): number | undefined {
  if (typeof v === 'number') return v;
  if (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v))) return Number(v);
  return undefined;
}

/** The operators a comparison may use; exactly one per comparison. */
export const COMPARISON_OPERATORS = ['equals', 'notEquals', 'in', 'lt', 'lte', 'gt', 'gte', 'exists', 'contains'] as const;

function compare(c: FlowComparison, v: unknown): boolean {
  const n = num(v);
  if (c.equals !== undefined) return deepEqual(v, c.equals);
  if (c.notEquals !== undefined) return !deepEqual(v, c.notEquals);
  if (c.in !== undefined) return c.in.some((x) => deepEqual(v, x));
  if (c.lt !== undefined) return n !== undefined && n < c.lt;
  if (c.lte !== undefined) return n !== undefined && n <= c.lte;
  if (c.gt !== undefined) return n !== undefined && n > c.gt;
  if (c.gte !== undefined) return n !== undefined && n >= c.gte;
  if (c.exists !== undefined) return c.exists === !isEmpty(v);
  if (c.contains !== undefined) {
    if (typeof v === 'string') return typeof c.contains === 'string' && v.includes(c.contains);
    return Array.isArray(v) && v.some((x) => deepEqual(x, c.contains));
  }
  return false;
}

/**
 * Evaluates a condition. `results(node)` gives a node's result; `self` is the node a
 * comparison without `node` refers to.
 */
export function evaluateCondition(c: FlowCondition, results: (node: string) => FlowNodeOutput | undefined, self: string): boolean {
  if ('all' in c) return c.all.every((x) => evaluateCondition(x, results, self));
  if ('any' in c) return c.any.some((x) => evaluateCondition(x, results, self));
  if ('not' in c) return !evaluateCondition(c.not, results, self);
  return compare(c, getPath(results(c.node ?? self), c.path));
}

const OP_TEXT: Record<(typeof COMPARISON_OPERATORS)[number], string> = {
  equals: '=',
  notEquals: '≠',
  in: 'in',
  lt: '<',
  lte: '≤',
  gt: '>',
  gte: '≥',
  exists: 'exists:',
  contains: 'contains',
};

/** A condition as people read it: `route.output.category = "refund"`. */
export function describeCondition(c: FlowCondition, self: string): string {
  if ('all' in c) return c.all.map((x) => describeCondition(x, self)).join(' and ');
  if ('any' in c) return `(${c.any.map((x) => describeCondition(x, self)).join(' or ')})`;
  if ('not' in c) return `not (${describeCondition(c.not, self)})`;
  const op = COMPARISON_OPERATORS.find((o) => c[o] !== undefined) ?? 'equals';
  return `${c.node ?? self}.${c.path} ${OP_TEXT[op]} ${JSON.stringify(c[op])}`;
}

/** Nodes a condition reads, besides `self`. */
export function conditionNodes(c: FlowCondition): Array<string | undefined> {
  if ('all' in c) return c.all.flatMap(conditionNodes);
  if ('any' in c) return c.any.flatMap(conditionNodes);
  if ('not' in c) return conditionNodes(c.not);
  return [c.node];
}

/** A preview of a text for state and trail lines. */
export function preview(value: unknown, max = 160): string {
  const s = (typeof value === 'string' ? value : JSON.stringify(value) ?? '').replace(/\s+/g, ' ').trim();
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}
