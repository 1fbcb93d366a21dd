/**
 * Spans for model and tool calls, named and attributed per the OpenTelemetry GenAI
 * semantic conventions, and counters for policy decisions and cache lookups. Without a
 * registered SDK these are no-ops; an exporter can be installed by the host process
 * without touching this code.
 */
import { metrics, SpanStatusCode, trace, type Attributes, type Span } from '@opentelemetry/api';

const tracer = trace.getTracer('durable-agents');
const meter = metrics.getMeter('durable-agents');

/** Counters the policies feed: one per decision (by kind) and one per cache lookup (by outcome). */
export const policyMetrics = {
  decisions: meter.createCounter('durable_agents.policy.decisions', { description: 'Policy decisions (guardrail findings, budget alerts and stops, fallbacks, cache hits), by kind' }),
  cacheLookups: meter.createCounter('durable_agents.cache.lookups', { description: 'Response and tool-result cache lookups, by cache and outcome (l1, l2, miss)' }),
};

export async function withSpan<T>(name: string, attributes: Attributes, fn: (span: Span) => Promise<T>): Promise<T> {
  return tracer.startActiveSpan(name, { attributes }, async (span) => {
    try {
      return await fn(span);
    } catch (err) {
      span.recordException(err as Error);
      span.setStatus({ code: SpanStatusCode.ERROR, message: (err as Error).message });
      throw err;
    } finally {
      span.end();
    }
  });
}
