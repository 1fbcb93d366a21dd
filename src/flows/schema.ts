/**
 * zod schemas of a flow spec's fields, one per node type. Structure only: references
 * between nodes, cycles and templates are checked in checks.ts.
 */
import { z } from 'zod';
import { DURATION, DURATION_HINT } from '../shared/duration';
import { COMPARISON_OPERATORS, isPath } from '../shared/flow-expr';
import type { FlowCondition, FlowNodeType, JsonValue } from '../shared/flow-types';

/** Node ids: also part of child workflow ids, so kept to a safe alphabet. */
export const NODE_ID = /^[a-z][a-z0-9_-]{0,62}$/;
const NAME = /^[a-z][a-z0-9-]{0,62}$/;

const nodeId = z.string().regex(NODE_ID, 'must be a node id (lower-case letters, digits, "_" and "-", starting with a letter)');
const duration = z.string().regex(DURATION, DURATION_HINT);
const dottedPath = z.string().min(1).refine(isPath, 'must be a dotted path such as output.category');
const template = z.string().min(1).max(20_000);
const json = z.json() as z.ZodType<JsonValue>;

/** One object shape for every kind of condition, so errors point at the offending field. */
export const conditionSchema: z.ZodType<FlowCondition> = z.lazy(() =>
  z
    .object({
      all: z.array(conditionSchema).min(1).optional(),
      any: z.array(conditionSchema).min(1).optional(),
      not: conditionSchema.optional(),
      node: nodeId.optional(),
      path: dottedPath.optional(),
      equals: json.optional(),
      notEquals: json.optional(),
      in: z.array(json).optional(),
      lt: z.number().optional(),
      lte: z.number().optional(),
      gt: z.number().optional(),
      gte: z.number().optional(),
      exists: z.boolean().optional(),
      contains: json.optional(),
    })
    .strict()
    .superRefine((c, ctx) => {
      const groups = (['all', 'any', 'not'] as const).filter((k) => c[k] !== undefined);
      const ops = COMPARISON_OPERATORS.filter((k) => c[k] !== undefined);
      if (groups.length > 1 || (groups.length === 1 && (ops.length || c.path !== undefined || c.node !== undefined))) {
        ctx.addIssue({ code: 'custom', message: `use one of all, any, not or a comparison per condition, not ${[...groups, ...ops].join(' and ')}` });
      } else if (groups.length === 0 && c.path === undefined) {
        ctx.addIssue({ code: 'custom', message: 'a condition needs a path and an operator, e.g. { "path": "output.category", "equals": "refund" }' });
      } else if (groups.length === 0 && ops.length !== 1) {
        ctx.addIssue({ code: 'custom', message: `a comparison needs exactly one of ${COMPARISON_OPERATORS.join(', ')}` });
      }
    })
    .transform((c) => c as FlowCondition),
);

const edge = z.union([nodeId, z.object({ to: nodeId, when: z.union([z.literal('otherwise'), conditionSchema]).optional() }).strict()], {
  error: 'must be a node id or { "to": "<node>", "when": <condition> | "otherwise" }',
});

const base = {
  description: z.string().max(1000).optional(),
  needs: z.array(nodeId).optional(),
  next: z.union([nodeId, z.array(edge)], { error: 'must be a node id or a list of edges' }).optional(),
  when: conditionSchema.optional(),
  onFailure: z
    .union([z.enum(['fail', 'skip']), z.object({ fallback: nodeId }).strict()], { error: 'must be "fail", "skip" or { "fallback": "<node>" }' })
    .optional(),
};

const retry = z
  .object({
    maximumAttempts: z.number().int().min(1).max(10),
    initialInterval: duration.optional(),
    backoffCoefficient: z.number().min(1).max(10).optional(),
  })
  .strict();

const agentCall = {
  agent: z.string().regex(NAME, 'must be an agent name (lower-case letters, digits and dashes)'),
  input: template.optional(),
  maxSteps: z.number().int().min(1).max(1000).optional(),
  timeout: duration.optional(),
  retry: retry.optional(),
};

/** The schema of each node type; a node without `type` is an agent node. */
export const NODE_SCHEMAS: Record<FlowNodeType, z.ZodType> = {
  agent: z.object({ type: z.literal('agent'), ...base, ...agentCall }).strict(),
  map: z
    .object({
      type: z.literal('map'),
      ...base,
      ...agentCall,
      over: z.object({ node: nodeId, path: dottedPath }).strict(),
      maxConcurrency: z.number().int().min(1).max(50).optional(),
      maxItems: z.number().int().min(1).max(500).optional(),
    })
    .strict(),
  loop: z
    .object({
      type: z.literal('loop'),
      ...base,
      ...agentCall,
      nextInput: template.optional(),
      until: conditionSchema,
      maxRounds: z.number().int().min(1).max(20),
    })
    .strict(),
  parallel: z.object({ type: z.literal('parallel'), ...base, branches: z.array(nodeId).min(2) }).strict(),
  escalation: z
    .object({
      type: z.literal('escalation'),
      ...base,
      prompt: template,
      assignee: z.string().min(1).max(200).optional(),
      timeout: duration,
      onTimeout: nodeId.optional(),
    })
    .strict(),
};

/** The flow's own fields; nodes are checked one by one against NODE_SCHEMAS. */
export const flowSchema = z
  .object({
    name: z.string().regex(NAME, 'must be lower-case letters, digits and dashes'),
    description: z.string().max(2000).optional(),
    budgetUsd: z.number().positive().optional(),
    output: template.optional(),
    nodes: z.record(z.string(), z.unknown()).refine((n) => Object.keys(n).length > 0, 'a flow needs at least one node').refine((n) => Object.keys(n).length <= 200, 'at most 200 nodes'),
  })
  .strict();
