/**
 * Picks a tier for a request: by how hard the request looks, stepped down to cheaper
 * tiers when the remaining budget cannot pay for the chosen one. Pure and cheap: it runs
 * before every model call.
 */
import type { ChatMessage, ToolSchema } from '../../shared/messages';
import type { ComplexityOptions, Tier } from './config';

/** A heuristic difficulty score: longer context, more tools and "hard task" keywords score higher. */
export function scoreComplexity(request: { messages: readonly ChatMessage[]; tools?: readonly ToolSchema[] }, options: ComplexityOptions): number {
  let chars = 0;
  const userText: string[] = [];
  for (const m of request.messages) {
    chars += (m.content ?? '').length;
    if (m.role === 'user') userText.push(m.content.toLowerCase());
  }
  const text = userText.join('\n');
  const hits = options.keywords.filter((k) => text.includes(k.toLowerCase())).length;
  return chars / options.charsPerPoint + (request.tools?.length ?? 0) * options.toolPoints + hits * options.keywordPoints;
}

/** The chosen tier and why. */
export interface TierChoice {
  tier: Tier;
  index: number;
  /** `complexity`: the score decided; `budget`: a pricier tier was skipped for lack of budget. */
  reason: 'complexity' | 'budget';
}

/**
 * The most capable tier whose `minScore` the score reaches; then, while budget is known,
 * cheaper tiers until one fits: its `minRemainingUsd` is met and `worstCaseUsd` of its
 * first model fits in what remains. The cheapest tier is the floor: the budget ledger,
 * not the router, refuses calls that cannot be paid.
 */
export function selectTier(
  tiers: readonly Tier[],
  score: number,
  remainingUsd: number | undefined,
  worstCaseUsd: (modelRef: string) => number,
): TierChoice {
  let index = 0;
  tiers.forEach((t, i) => {
    if (score >= t.minScore) index = i;
  });
  let reason: TierChoice['reason'] = 'complexity';
  if (remainingUsd !== undefined) {
    while (index > 0 && !fits(tiers[index] as Tier, remainingUsd, worstCaseUsd)) {
      index--;
      reason = 'budget';
    }
  }
  return { tier: tiers[index] as Tier, index, reason };
}

function fits(tier: Tier, remainingUsd: number, worstCaseUsd: (modelRef: string) => number): boolean {
  if (tier.minRemainingUsd !== undefined && remainingUsd < tier.minRemainingUsd) return false;
  const first = tier.models[0];
  return first === undefined || worstCaseUsd(first) <= remainingUsd;
}
