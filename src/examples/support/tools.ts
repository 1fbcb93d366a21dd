/**
 * Customer-support tools over the example `orders`, `refunds` and `notifications` tables.
 * The refund is compensable (a reversal undoes it) and needs approval above $100; the
 * notification is irreversible and fails when the customer has no e-mail address.
 */
import { ApplicationFailure } from '@temporalio/common';
import { z } from 'zod';
import { defineTool, ToolError } from '../../tools/define-tool';

/** Refunds above this many dollars wait for a person's approval. */
export const REFUND_APPROVAL_THRESHOLD_USD = 100;

interface OrderRow {
  order_id: string;
  customer_name: string;
  customer_email: string | null;
  item: string;
  amount_cents: number;
  currency: string;
  status: string;
}

export const lookupOrder = defineTool({
  name: 'lookup_order',
  description: 'Look up an order by its id: customer, item, amount paid and status.',
  input: z.object({ orderId: z.string().regex(/^[A-Z]{2,5}-\d{3,10}$/).describe('Order id, e.g. ORD-1001') }),
  effect: 'read',
  timeout: '10s',
  async execute({ orderId }, ctx) {
    const { rows } = await ctx.db.query<OrderRow>('SELECT * FROM orders WHERE order_id = $1 AND tenant_id = $2', [orderId, ctx.tenantId]);
    const o = rows[0];
    if (!o) throw new ToolError(`order ${orderId} not found`);
    return { orderId: o.order_id, customer: o.customer_name, email: o.customer_email, item: o.item, amountUsd: o.amount_cents / 100, currency: o.currency, status: o.status };
  },
});

export const refundPayment = defineTool({
  name: 'refund_payment',
  description: `Refund (part of) an order's payment. Refunds above $${REFUND_APPROVAL_THRESHOLD_USD} need a person's approval.`,
  input: z.object({
    orderId: z.string().regex(/^[A-Z]{2,5}-\d{3,10}$/).describe('Order id, e.g. ORD-1001'),
    amountUsd: z.number().positive().max(100_000).describe('Amount to refund in US dollars'),
    reason: z.string().min(3).max(500).describe('Why the customer is refunded'),
  }),
  effect: 'compensable',
  requiresApproval: ({ amountUsd }) => (amountUsd > REFUND_APPROVAL_THRESHOLD_USD ? `refund of $${amountUsd.toFixed(2)} is above $${REFUND_APPROVAL_THRESHOLD_USD}` : false),
  async execute({ orderId, amountUsd, reason }, ctx) {
    return ctx.once(async (tx) => {
      const { rows } = await tx.query<OrderRow>('SELECT * FROM orders WHERE order_id = $1 AND tenant_id = $2', [orderId, ctx.tenantId]);
      const order = rows[0];
      if (!order) throw new ToolError(`order ${orderId} not found`);
      const cents = Math.round(amountUsd * 100);
      if (cents > order.amount_cents) throw new ToolError(`cannot refund $${amountUsd.toFixed(2)}: order ${orderId} was $${(order.amount_cents / 100).toFixed(2)}`);
      const ins = await tx.query<{ refund_id: string }>(
        'INSERT INTO refunds (idempotency_key, order_id, amount_cents, reason) VALUES ($1, $2, $3, $4) RETURNING refund_id',
        [ctx.idempotencyKey, orderId, cents, reason],
      );
      return { refundId: Number(ins.rows[0]!.refund_id), orderId, amountUsd: cents / 100, status: 'issued' };
    });
  },
  async compensate(_args, result, ctx) {
    const { refundId } = result as { refundId: number };
    await ctx.once((tx) => tx.query("UPDATE refunds SET status = 'reversed', reversed_at = now() WHERE refund_id = $1", [refundId]));
  },
});

export const notifyCustomer = defineTool({
  name: 'notify_customer',
  description: 'E-mail the customer of an order. Cannot be unsent.',
  input: z.object({
    orderId: z.string().regex(/^[A-Z]{2,5}-\d{3,10}$/).describe('Order id, e.g. ORD-1001'),
    message: z.string().min(1).max(2000).describe('The e-mail body'),
  }),
  effect: 'irreversible',
  retry: { maximumAttempts: 3, initialInterval: '500ms' },
  async execute({ orderId, message }, ctx) {
    return ctx.once(async (tx) => {
      const { rows } = await tx.query<OrderRow>('SELECT * FROM orders WHERE order_id = $1 AND tenant_id = $2', [orderId, ctx.tenantId]);
      const email = rows[0]?.customer_email;
      // No address is a data problem the model cannot fix: fail the run so the refund
      // is reversed rather than left without the customer knowing.
      if (!email) throw ApplicationFailure.nonRetryable(`customer of order ${orderId} has no e-mail address`, 'NotificationFailed');
      await tx.query('INSERT INTO notifications (idempotency_key, order_id, recipient, body) VALUES ($1, $2, $3, $4)', [ctx.idempotencyKey, orderId, email, message]);
      return { sentTo: email };
    });
  },
});
