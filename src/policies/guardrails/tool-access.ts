/**
 * Tool-call checks: who may run which tool (per agent, per tenant role) and limits on
 * argument values. These look at a structured call, not text, so they are a function
 * rather than a text guardrail; the verdict has the same shape.
 */
import type { ArgumentRule, ToolAccessConfig } from './config';
import type { CheckResult, Finding } from './types';

/** A tool call as the model asked for it, arguments already parsed. */
export interface ToolCallRequest {
  tool: string;
  args: unknown;
}

/** Who is asking. */
export interface ToolAccessContext {
  agent?: string;
  role?: string;
}

/** Allows or blocks one tool call; findings say which list or rule refused it. */
export function checkToolCall(call: ToolCallRequest, config: ToolAccessConfig, ctx: ToolAccessContext = {}): CheckResult {
  const findings: Finding[] = [];
  const agentList = ctx.agent === undefined ? undefined : own(config.byAgent, ctx.agent);
  if (agentList !== undefined && !listed(agentList, call.tool)) {
    findings.push(refusal('tool_not_allowed', `agent:${ctx.agent}`));
  }
  if (Object.keys(config.byRole).length > 0) {
    // Once roles are configured, a caller with no role or an unknown one gets nothing.
    const roleList = ctx.role === undefined ? undefined : own(config.byRole, ctx.role);
    if (roleList === undefined || !listed(roleList, call.tool)) {
      findings.push(refusal('tool_not_allowed', `role:${ctx.role ?? '(none)'}`));
    }
  }
  for (const rule of config.rules) {
    if (rule.tool !== call.tool) continue;
    if (rule.roles !== undefined && (ctx.role === undefined || !rule.roles.includes(ctx.role))) continue;
    const problem = violation(rule, readPath(call.args, rule.field));
    if (problem !== undefined) findings.push(refusal('tool_argument', `${rule.tool}.${rule.field}:${problem}`));
  }
  return { action: findings.length > 0 ? 'block' : 'allow', findings };
}

/** `record[key]` when the record has that key itself: a role named `constructor` is not `Object`. */
function own<V>(record: Record<string, V>, key: string): V | undefined {
  return Object.hasOwn(record, key) ? record[key] : undefined;
}

function refusal(type: string, rule: string): Finding {
  return { type, start: 0, end: 0, rule, score: 1 };
}

/** Exact names, `*`, or a `prefix*` glob. */
function listed(list: readonly string[], tool: string): boolean {
  for (const entry of list) {
    if (entry === '*' || entry === tool) return true;
    if (entry.endsWith('*') && tool.startsWith(entry.slice(0, -1))) return true;
  }
  return false;
}

const MISSING = Symbol('missing');

function readPath(value: unknown, path: string): unknown {
  let cur: unknown = value;
  for (const key of path.split('.')) {
    if (typeof cur !== 'object' || cur === null || !Object.prototype.hasOwnProperty.call(cur, key)) return MISSING;
    cur = (cur as Record<string, unknown>)[key];
  }
  return cur;
}

/** Why `value` breaks `rule`, or undefined when it does not. */
function violation(rule: ArgumentRule, value: unknown): string | undefined {
  if (value === MISSING || value === undefined || value === null) return rule.required === true ? 'required' : undefined;
  if (rule.min !== undefined || rule.max !== undefined) {
    // Models send numbers as strings often enough that "600" must not slip past max 500.
    const n = typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value) : NaN;
    if (!Number.isFinite(n)) return 'not_a_number';
    if (rule.max !== undefined && n > rule.max) return `max_${rule.max}`;
    if (rule.min !== undefined && n < rule.min) return `min_${rule.min}`;
  }
  if (rule.maxLength !== undefined) {
    const len = typeof value === 'string' || Array.isArray(value) ? value.length : undefined;
    if (len !== undefined && len > rule.maxLength) return `max_length_${rule.maxLength}`;
  }
  if (rule.pattern !== undefined) {
    if (typeof value !== 'string' || !patternFor(rule.pattern).test(value)) return 'pattern';
  }
  if (rule.oneOf !== undefined && !rule.oneOf.includes(value as string | number | boolean)) return 'not_one_of';
  return undefined;
}

const patterns = new Map<string, RegExp>();

function patternFor(source: string): RegExp {
  let re = patterns.get(source);
  if (re === undefined) {
    re = new RegExp(source);
    patterns.set(source, re);
  }
  return re;
}
