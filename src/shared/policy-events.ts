/**
 * What the worker's policies decided during a model or tool call, and what people decided
 * at the run's breakpoints (approvals, budget). Every decision is in the run's history and
 * its `state`.
 */
export type PolicyEventKind =
  | 'guardrail'
  | 'cache_hit'
  | 'route'
  | 'fallback'
  | 'budget_alert'
  | 'budget_exceeded'
  | 'budget_downgrade'
  | 'budget_paused'
  | 'budget_resumed'
  | 'approval'
  | 'conversation_elided';

export interface PolicyEvent {
  kind: PolicyEventKind;
  /** One line for people, e.g. "input: redact (email)", "tenant acme daily usd at 80%" or "pay call_1_0 approved by alice". */
  detail: string;
}

export interface StepPolicyEvent extends PolicyEvent {
  step: number;
  /**
   * Position of the event in the run's whole life (1, 2, 3, … across continue-as-new),
   * set by the workflow. The run keeps only its latest events, so an index into the list
   * says nothing; this does. Absent on events recorded before it existed.
   */
  seq?: number;
}

/** How a model step's response was obtained. */
export type CacheOutcome = 'l1' | 'l2' | 'miss' | 'bypass';
