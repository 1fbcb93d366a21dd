/**
 * The most a model call can cost, for the reservation taken before the call. Input is
 * bounded by the UTF-8 size of the request (no tokenizer counts more tokens than bytes);
 * output is bounded by `maxTokens`.
 */
import { costOf, estimateTokens, type PriceTable } from '../../models/pricing';
import { DEFAULT_MAX_OUTPUT_TOKENS } from '../../shared/agent-spec';
import type { ChatMessage, ToolSchema } from '../../shared/messages';

/** What a reservation holds: USD and total tokens. `priced: false` means the model's price is unknown and `usd` is 0. */
export interface CostEstimate {
  usd: number;
  tokens: number;
  priced: boolean;
}

/** The parts of a request that decide its worst-case cost. */
export interface EstimableRequest {
  messages: readonly ChatMessage[];
  tools?: readonly ToolSchema[];
  maxTokens?: number;
}

/** Worst-case cost of `request` on `modelRef` (`<provider>:<model>`). */
export function estimateCallCost(
  modelRef: string,
  request: EstimableRequest,
  options: { defaultMaxTokens?: number; prices?: PriceTable } = {},
): CostEstimate {
  return costAt(modelRef, inputTokensOf(request), request, options);
}

/** The worst case over a fallback chain: the reservation must cover whichever model ends up answering. */
export function estimateChainCost(chain: readonly string[], request: EstimableRequest, options: { defaultMaxTokens?: number; prices?: PriceTable } = {}): CostEstimate {
  // The input is the same text for every model of the chain: measured once (it is the whole conversation).
  const inputTokens = inputTokensOf(request);
  let worst: CostEstimate = { usd: 0, tokens: 0, priced: true };
  for (const ref of chain) {
    const e = costAt(ref, inputTokens, request, options);
    worst = { usd: Math.max(worst.usd, e.usd), tokens: Math.max(worst.tokens, e.tokens), priced: worst.priced && e.priced };
  }
  return worst;
}

/**
 * Tokens a provider may add when the request offers tools: its own instructions for tool
 * use, which Anthropic documents at a few hundred tokens (530 at most, for Claude 3
 * Opus). The tools' JSON covers it only when the tools are many or large.
 */
export const TOOL_PROMPT_TOKENS = 600;

/**
 * An upper bound on the input tokens of `request` (see `estimateTokens`): the JSON of the
 * messages and tools, whose keys, quotes and braces also cover the few tokens per
 * message a provider adds to frame roles, plus {@link TOOL_PROMPT_TOKENS} when tools are offered.
 */
function inputTokensOf(request: EstimableRequest): number {
  const tools = request.tools ?? [];
  return estimateTokens(JSON.stringify(request.messages)) + estimateTokens(JSON.stringify(tools)) + (tools.length > 0 ? TOOL_PROMPT_TOKENS : 0);
}

function costAt(modelRef: string, inputTokens: number, request: EstimableRequest, options: { defaultMaxTokens?: number; prices?: PriceTable }): CostEstimate {
  const outputTokens = request.maxTokens ?? options.defaultMaxTokens ?? DEFAULT_MAX_OUTPUT_TOKENS;
  const { usd, priced } = costOf(modelRef, { inputTokens, outputTokens }, options.prices);
  return { usd, tokens: inputTokens + outputTokens, priced };
}
