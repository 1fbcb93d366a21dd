/**
 * Ids of tool calls. The provider's ids are the model's to write (some OpenAI-compatible
 * servers let the model choose them), so a model can repeat one within a step or reuse
 * one later. Every id the run keys anything by — approvals, idempotency keys, the saga —
 * is the project's own: the step and the call's position in the model's answer.
 */
export function callIdFor(step: number, position: number, handoffDepth = 0): string {
  // A run that took over a conversation carries the earlier run's calls in it: its own are told apart by depth.
  return handoffDepth > 0 ? `call_h${handoffDepth}_${step}_${position}` : `call_${step}_${position}`;
}
