/**
 * Flows: several agent runs (and people) wired into one durable process. These are the
 * plain-JSON shapes of a flow spec, its input, state and result, shared by the `flowRun`
 * workflow, the validator (src/flows/), the client SDK and the CLI.
 */
import type { Usage } from './messages';
import type { Decider } from './run-types';

/** Any JSON value; conditions compare node outputs with these. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/**
 * A test on an earlier node's result, evaluated without `eval`. `path` is dotted into the
 * node's result (`answer`, `status`, `output.category`, `output.sections.0.title`);
 * exactly one operator is given.
 */
export interface FlowComparison {
  /** The node whose result is tested. Defaults to the node the condition belongs to. */
  node?: string;
  path: string;
  equals?: JsonValue;
  notEquals?: JsonValue;
  in?: JsonValue[];
  lt?: number;
  lte?: number;
  gt?: number;
  gte?: number;
  /** True: the value is present and not empty; false: it is missing or empty. */
  exists?: boolean;
  /** Substring of a string value, or element of a list value. */
  contains?: JsonValue;
}

/** A comparison, or `all` / `any` / `not` over conditions. */
export type FlowCondition = FlowComparison | { all: FlowCondition[] } | { any: FlowCondition[] } | { not: FlowCondition };

/**
 * An outgoing edge. A bare node id is always taken; `{ to, when }` is taken when the
 * condition holds on this node's result; `when: 'otherwise'` is taken when no other
 * conditional edge of the node was.
 */
export type FlowNext = string | { to: string; when?: FlowCondition | 'otherwise' };

/**
 * What happens when a node fails for good (after its retries): `fail` fails the flow,
 * `skip` marks it skipped and goes on without its output, `{ fallback }` runs that agent
 * node instead and uses its output.
 */
export type FlowFailurePolicy = 'fail' | 'skip' | { fallback: string };

/** Retries of one agent run, with exponential backoff between attempts. */
export interface FlowRetry {
  /** Attempts in all, including the first (default 1: no retry). */
  maximumAttempts: number;
  /** Wait before the second attempt, e.g. "1s" (default). */
  initialInterval?: string;
  /** Multiplier for each further wait (default 2). */
  backoffCoefficient?: number;
}

/** Fields every node may have: edges, a gate and a failure policy. */
export interface FlowNodeBase {
  description?: string;
  /** Nodes that must be settled first (an edge from each of them to this node). */
  needs?: string[];
  /** Nodes to go on to when this one completes (edges from this node). */
  next?: string | FlowNext[];
  /** Runs only when this holds; otherwise the node is `not_taken`. */
  when?: FlowCondition;
  onFailure?: FlowFailurePolicy;
}

/** How one agent run is started: which agent, with what input, within which limits. */
export interface FlowAgentCall {
  /** Registered agent name. */
  agent: string;
  /** Input text; `{{…}}` placeholders are filled from the flow (default "{{input}}"). */
  input?: string;
  /** Overrides the agent's step limit. */
  maxSteps?: number;
  /** How long one attempt may take, e.g. "10m"; the run is cancelled (and compensates) after it. */
  timeout?: string;
  retry?: FlowRetry;
}

/** One agent run, a child `agentRun` workflow. */
export interface FlowAgentNode extends FlowNodeBase, FlowAgentCall {
  type: 'agent';
}

/** The same agent once per element of a list an earlier node produced, in parallel. */
export interface FlowMapNode extends FlowNodeBase, FlowAgentCall {
  type: 'map';
  /** Where the list is: `{ node: 'plan', path: 'output.sections' }`. Each element is `{{item}}`. */
  over: { node: string; path: string };
  /** Runs at most this many at once (default 4). */
  maxConcurrency?: number;
  /** A longer list fails the node (default 50). */
  maxItems?: number;
}

/** The same agent in rounds until `until` holds on a round's result, at most `maxRounds` times. */
export interface FlowLoopNode extends FlowNodeBase, FlowAgentCall {
  type: 'loop';
  /** Input of rounds after the first (default: `input`); `{{loop.previous.…}}` is the last round. */
  nextInput?: string;
  until: FlowCondition;
  maxRounds: number;
}

/** Runs its branch nodes at the same time and completes when all have. */
export interface FlowParallelNode extends FlowNodeBase {
  type: 'parallel';
  branches: string[];
}

/** Waits for a person's answer (update `answerEscalation`). */
export interface FlowEscalationNode extends FlowNodeBase {
  type: 'escalation';
  /** What the person is asked; placeholders allowed. */
  prompt: string;
  /** Who should answer (shown, not enforced). */
  assignee?: string;
  /** How long to wait, e.g. "4h". */
  timeout: string;
  /** The node taken when nobody answers in time; without it a timeout is a failure. */
  onTimeout?: string;
}

export type FlowNode = FlowAgentNode | FlowMapNode | FlowLoopNode | FlowParallelNode | FlowEscalationNode;
export type FlowNodeType = FlowNode['type'];

/** A validated flow spec (see src/flows/ for the rules and README "Flows"). */
export interface FlowSpec {
  /** Lower-case name, e.g. "triage". */
  name: string;
  description?: string;
  /** Stop starting nodes once the runs so far cost more than this (USD). */
  budgetUsd?: number;
  /** The flow's answer; default: the answer of the last node that completed. */
  output?: string;
  nodes: Record<string, FlowNode>;
}

/** Input of the `flowRun` workflow. */
export interface FlowRunInput {
  spec: FlowSpec;
  /** The task; `{{input}}` in templates. */
  input: string;
  tenantId: string;
  metadata?: Record<string, string>;
  /** The principal who asked for the flow (set by the service); its agent runs carry it. */
  requestedBy?: string;
}

export type FlowNodeStatus = 'pending' | 'running' | 'waiting' | 'completed' | 'skipped' | 'not_taken' | 'timed_out' | 'failed' | 'cancelled';

export type FlowStatus = 'running' | 'waiting' | 'completed' | 'budget_exceeded' | 'failed' | 'cancelled';

/** What later nodes see of a settled node (`{{nodes.<id>.…}}`, conditions). */
export interface FlowNodeOutput {
  status: FlowNodeStatus;
  /** The final text: an agent's answer, a person's answer, joined map results. */
  answer: string;
  /** JSON found in the answer, or the structured result of map/parallel nodes. */
  output?: unknown;
  /** Who answered an escalation. */
  by?: string;
  /** Why a skipped node failed. */
  error?: string;
  costUsd: number;
}

/** One child `agentRun` a node started. */
export interface FlowChildRun {
  workflowId: string;
  agent: string;
  attempt: number;
  status: 'running' | 'completed' | 'max_steps' | 'budget_exceeded' | 'failed' | 'timed_out' | 'cancelled';
  costUsd: number;
  /** The agent the run handed its conversation to, if it did. */
  handedOffTo?: string;
  error?: string;
}

export interface FlowNodeState {
  id: string;
  type: FlowNodeType;
  status: FlowNodeStatus;
  agent?: string;
  /** Short preview of the node's answer. */
  summary?: string;
  /** Cost of this node's runs (its fallback's included). */
  costUsd: number;
  runs: FlowChildRun[];
  /** Progress for people, e.g. "3/4 items" or "round 2 of 3". */
  progress?: string;
  /** The fallback node whose output this node took. */
  fallback?: string;
  error?: string;
  startedAt?: string;
  endedAt?: string;
}

export interface PendingEscalation {
  nodeId: string;
  prompt: string;
  assignee?: string;
  since: string;
  /** When the escalation path is taken (or the node fails). */
  deadline: string;
}

/** One decision of the flow, for the audit trail shown by `flow status`. */
export interface FlowTrailEntry {
  at: string;
  node?: string;
  event:
    | 'started'
    | 'node_started'
    | 'node_completed'
    | 'branch'
    | 'not_taken'
    | 'retry'
    | 'skipped'
    | 'fallback'
    | 'handoff'
    | 'round'
    | 'escalation_waiting'
    | 'escalation_answered'
    | 'escalation_timed_out'
    | 'budget_exceeded'
    | 'failed'
    | 'completed';
  detail: string;
}

export interface FlowState {
  flow: string;
  tenantId: string;
  status: FlowStatus;
  nodes: FlowNodeState[];
  pendingEscalations: PendingEscalation[];
  trail: FlowTrailEntry[];
  /** Sum over every child run so far. */
  costUsd: number;
  usage: Usage;
  budgetUsd?: number;
  answer?: string;
  lastError?: string;
}

export interface FlowRunResult {
  flow: string;
  status: 'completed' | 'budget_exceeded';
  answer: string;
  nodes: Record<string, { status: FlowNodeStatus; answer?: string; output?: unknown }>;
  costUsd: number;
  usage: Usage;
  trail: FlowTrailEntry[];
}

/** A person's answer to an escalation node, as the flow records it. */
export interface EscalationAnswer {
  nodeId: string;
  answer: string;
  /** The name of who answered. */
  by?: string;
  /** Who answered, as the signed decision names them (absent in flows answered before decisions were signed). */
  decidedBy?: Decider;
  /** Workflow time of the answer, ISO 8601. */
  at?: string;
}

/** The `answerEscalation` update: the answer and a decision token from the service naming it. */
export interface AnswerEscalationInput {
  nodeId: string;
  answer: string;
  /** Signed by the service that authenticated the person (POST /v1/flows/:id/escalations/:node). */
  token: string;
}
