/**
 * Validates a flow spec (parsed JSON or a TypeScript object) into a `FlowSpec`. Pure: the
 * client calls it before starting a flow and the worker again at flow start (where it
 * also knows which agents exist), so a bad spec never runs. Every problem names its node:
 * `flow "triage": node "route": unknown next node "knowldge"`.
 */
import type { z } from 'zod';
import { DurableAgentsError } from '../shared/errors';
import { FailureType } from '../shared/failures';
import type { FlowNode, FlowSpec } from '../shared/flow-types';
import { checkFlow } from './checks';
import { flowSchema, NODE_ID, NODE_SCHEMAS } from './schema';

/** A spec that cannot run; `problems` lists each one, `message` joins them. */
export class InvalidFlowError extends DurableAgentsError {
  constructor(
    readonly flow: string,
    readonly problems: string[],
  ) {
    super(`flow "${flow}": ${problems.join('; ')}`, { type: FailureType.InvalidFlowSpec, fault: 'user', retryable: false });
  }
}

export interface ValidateFlowOptions {
  /** Names of the agents that exist; when given, unknown agents are problems too. */
  agents?: string[];
}

type Issue = z.core.$ZodIssue;

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A union issue stands for the branch that got furthest (not failing on its own root type). */
function closestBranch(issue: Issue): Issue[] | undefined {
  if (issue.code !== 'invalid_union') return undefined;
  const near = issue.errors.filter((errs) => !errs.some((e) => e.path.length === 0 && (e.code === 'invalid_type' || e.code === 'invalid_value')));
  return near.length === 1 ? near[0] : undefined;
}

function formatIssue(issue: Issue, prefix: PropertyKey[] = []): string[] {
  const path = [...prefix, ...issue.path];
  const branch = closestBranch(issue);
  if (branch) return branch.flatMap((i) => formatIssue(i, path));
  const where = path.length ? `${path.map(String).join('.')}: ` : '';
  if (issue.code === 'unrecognized_keys') return issue.keys.map((k) => `${where}unknown field "${k}"`);
  if (issue.code === 'invalid_type' && issue.input === undefined) return [`${where}is required`];
  return [`${where}${issue.message.replace(/^Invalid input: /, '')}`];
}

/** The parsed spec, or an `InvalidFlowError` listing every problem. */
export function validateFlowSpec(raw: unknown, options: ValidateFlowOptions = {}): FlowSpec {
  const name = isObject(raw) && typeof raw.name === 'string' && raw.name ? raw.name : '(unnamed)';
  const top = flowSchema.safeParse(raw);
  if (!top.success) throw new InvalidFlowError(name, top.error.issues.flatMap((i) => formatIssue(i)));

  const problems: string[] = [];
  const nodes: Record<string, FlowNode> = {};
  for (const [id, rawNode] of Object.entries(top.data.nodes)) {
    if (!NODE_ID.test(id)) {
      problems.push(`node "${id}": id must be lower-case letters, digits, "_" and "-", starting with a letter`);
      continue;
    }
    if (!isObject(rawNode)) {
      problems.push(`node "${id}": must be an object`);
      continue;
    }
    const type = rawNode.type ?? 'agent';
    const schema = typeof type === 'string' ? NODE_SCHEMAS[type as FlowNode['type']] : undefined;
    if (!schema) {
      problems.push(`node "${id}": unknown type ${JSON.stringify(type)} (one of ${Object.keys(NODE_SCHEMAS).join(', ')})`);
      continue;
    }
    const parsed = schema.safeParse({ ...rawNode, type });
    if (parsed.success) nodes[id] = parsed.data as FlowNode;
    else problems.push(...parsed.error.issues.flatMap((i) => formatIssue(i)).map((p) => `node "${id}": ${p}`));
  }
  if (problems.length) throw new InvalidFlowError(name, problems);

  const spec: FlowSpec = { ...top.data, nodes };
  const cross = checkFlow(spec, options.agents);
  if (cross.length) throw new InvalidFlowError(name, cross);
  return spec;
}
