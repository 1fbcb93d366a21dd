/**
 * Customer support: look up the order, refund it (approval above $100; reversed if a
 * later step fails), then notify the customer.
 */
import { defineAgent } from '../../agents/define-agent';
import type { Playbook } from '../../models/local';
import { lookupOrder, notifyCustomer, refundPayment } from './tools';

const ORDER_ID = /\b[A-Z]{2,5}-\d{3,10}\b/;
const WANTS_REFUND = /\b(refund|broken|damaged|defective|return|money back)\b/i;

function parse(content: string): Record<string, unknown> | undefined {
  try {
    const v: unknown = JSON.parse(content);
    return v && typeof v === 'object' ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** What the deterministic local model does for this agent: the happy path, step by step. */
const playbook: Playbook = ({ task, toolResults }) => {
  const last = toolResults[toolResults.length - 1];
  const orderId = ORDER_ID.exec(task)?.[0];
  if (!last) {
    if (!orderId) return { answer: 'Please tell me your order number (for example ORD-1001) so I can help.' };
    return { toolCalls: [{ name: 'lookup_order', arguments: { orderId } }] };
  }
  if (last.isError) return { answer: `I could not complete that: ${last.content}` };
  const result = parse(last.content) ?? {};
  switch (last.name) {
    case 'lookup_order':
      if (!WANTS_REFUND.test(task)) return { answer: `Order ${String(result.orderId)} (${String(result.item)}) is ${String(result.status)}.` };
      return { toolCalls: [{ name: 'refund_payment', arguments: { orderId: result.orderId, amountUsd: result.amountUsd, reason: task.slice(0, 200) } }] };
    case 'refund_payment':
      return {
        toolCalls: [{ name: 'notify_customer', arguments: { orderId: result.orderId, message: `We have refunded $${Number(result.amountUsd).toFixed(2)} for your order ${String(result.orderId)}.` } }],
      };
    case 'notify_customer':
      return { answer: `Your refund has been issued and a confirmation was sent to ${String(result.sentTo)}.` };
    default:
      return { answer: 'Done.' };
  }
};

export const supportAgent = defineAgent({
  name: 'support',
  description: 'Customer support: looks up orders, refunds them (with approval above $100) and notifies the customer.',
  instructions: [
    'You are a customer-support agent for an online shop.',
    'Always look up the order before acting on it. Refund only what the customer paid.',
    'After a refund, notify the customer. If a tool call is rejected, explain that to the customer and stop.',
  ].join(' '),
  tools: [lookupOrder, refundPayment, notifyCustomer],
  model: 'local:support',
  maxSteps: 8,
  approval: { timeout: '24h', onTimeout: 'reject' },
  localPlaybook: playbook,
});
