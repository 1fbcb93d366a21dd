/**
 * One model step: call the agent's model through its provider, normalize the answer,
 * price it, and check the tool calls it asks for.
 */
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { withSpan } from '../infra/telemetry';
import { classifyProviderError } from '../models/errors';
import { costOf } from '../models/pricing';
import { parseModelRef } from '../models/types';
import type { AssistantMessage, ChatMessage, FinishReason, Usage } from '../shared/messages';
import { FailureType } from '../shared/failures';
import type { ToolCallPlan } from '../shared/tool-plan';
import { planToolCalls } from '../tools/plan';
import type { ActivityDeps } from './index';

export interface CallModelInput {
  agent: string;
  model: string;
  messages: ChatMessage[];
  temperature: number;
  step: number;
}

export interface CallModelResult {
  message: AssistantMessage;
  usage: Usage;
  costUsd: number;
  model: string;
  finishReason: FinishReason;
  plans: ToolCallPlan[];
}

export function createModelActivities({ providers, agents }: Pick<ActivityDeps, 'providers' | 'agents'>) {
  return {
    async callModel(input: CallModelInput): Promise<CallModelResult> {
      const spec = agents.spec(input.agent);
      const tools = agents.tools(input.agent);
      if (!spec || !tools) throw ApplicationFailure.nonRetryable(`unknown agent "${input.agent}"`, FailureType.UnknownAgent);
      const { provider: providerName, model } = parseModelRef(input.model);
      const provider = providers.get(providerName);
      const attrs = {
        'gen_ai.operation.name': 'chat',
        'gen_ai.provider.name': providerName,
        'gen_ai.request.model': model,
        'gen_ai.request.temperature': input.temperature,
        'gen_ai.agent.name': input.agent,
      };
      return withSpan(`chat ${model}`, attrs, async (span) => {
        let response;
        try {
          response = await provider.complete(
            { model, messages: input.messages, tools: spec.tools.map(({ name, description, parameters }) => ({ name, description, parameters })), temperature: input.temperature },
            { signal: Context.current().cancellationSignal },
          );
        } catch (err) {
          throw classifyProviderError(err, providerName);
        }
        span.setAttributes({
          'gen_ai.response.model': response.model,
          'gen_ai.usage.input_tokens': response.usage.inputTokens,
          'gen_ai.usage.output_tokens': response.usage.outputTokens,
          'gen_ai.response.finish_reasons': [response.finishReason],
        });
        const toolNames = spec.tools.map((t) => t.name);
        return {
          message: response.message,
          usage: response.usage,
          costUsd: costOf(response.model, response.usage).usd,
          model: response.model,
          finishReason: response.finishReason,
          plans: planToolCalls(response.message.toolCalls ?? [], tools, toolNames),
        };
      });
    },
  };
}
