/**
 * Customer-support tools over the example `orders`, `refunds` and `notifications` tables.
 * The refund is compensable (a reversal undoes it); it never takes an order's refunds
 * above what was paid, and refunds beyond $100 on one order — in one call or added up —
 * need a person's approval. The notification is irreversible and fails when the customer
 * has no e-mail address.
 */
import { ApplicationFailure } from '@temporalio/common';
import { z } from 'zod';
import { defineTool, ToolError } from '../../tools/define-tool';

/** Refunds above this many dollars, in one call or in total on one order, wait for a person's approval. */
export const REFUND_APPROVAL_THRESHOLD_USD = 100;

const usd = (cents: number): string => `$${(cents / 100).toFixed(2)}`;

/**
 * Why a refund call waits for approval, from its arguments alone (approval rules run in
 * the model step, before anything is read): above the threshold, or asked for by the
 * model because the order's earlier refunds bring the total above it (execute() refuses
 * such a refund without approval and says so).
 */
function refundApproval({ amountUsd, requestApproval }: { amountUsd: number; requestApproval?: boolean }): string | false {
  if (amountUsd > REFUND_APPROVAL_THRESHOLD_USD) return `refund of $${amountUsd.toFixed(2)} is above $${REFUND_APPROVAL_THRESHOLD_USD}`;
  if (requestApproval) return `refund of $${amountUsd.toFixed(2)} takes the order's refunds above $${REFUND_APPROVAL_THRESHOLD_USD}`;
  return false;
}

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
    if (!o) throw new ToolError(`order ${orderId} not found for tenant "${ctx.tenantId}"`);
    return { orderId: o.order_id, customer: o.customer_name, email: o.customer_email, item: o.item, amountUsd: o.amount_cents / 100, currency: o.currency, status: o.status };
  },
});

export const refundPayment = defineTool({
  name: 'refund_payment',
  description:
    `Refund (part of) an order's payment, at most what is left of it after earlier refunds. A refund above $${REFUND_APPROVAL_THRESHOLD_USD}, ` +
    `or one that takes the order's refunds above $${REFUND_APPROVAL_THRESHOLD_USD} in total, needs a person's approval.`,
  input: z.object({
    orderId: z.string().regex(/^[A-Z]{2,5}-\d{3,10}$/).describe('Order id, e.g. ORD-1001'),
    amountUsd: z.number().positive().max(100_000).describe('Amount to refund in US dollars'),
    reason: z.string().min(3).max(500).describe('Why the customer is refunded'),
    requestApproval: z
      .boolean()
      .optional()
      .describe(`Ask a person to approve this refund; needed when the order's refunds so far plus this one exceed $${REFUND_APPROVAL_THRESHOLD_USD}`),
  }),
  effect: 'compensable',
  requiresApproval: refundApproval,
  async execute(args, ctx) {
    const { orderId, amountUsd, reason } = args;
    return ctx.once(async (tx) => {
      // The order's row is locked until this refund commits: concurrent refunds of one
      // order are counted one after the other, never both against the same total.
      const { rows } = await tx.query<OrderRow>('SELECT * FROM orders WHERE order_id = $1 AND tenant_id = $2 FOR UPDATE', [orderId, ctx.tenantId]);
      const order = rows[0];
      if (!order) throw new ToolError(`order ${orderId} not found for tenant "${ctx.tenantId}"`);
      const cents = Math.round(amountUsd * 100);
      const sum = await tx.query<{ cents: string }>("SELECT coalesce(sum(amount_cents), 0)::text AS cents FROM refunds WHERE order_id = $1 AND status = 'issued'", [orderId]);
      const before = Number(sum.rows[0]!.cents);
      const total = before + cents;
      if (total > order.amount_cents) {
        throw new ToolError(
          before
            ? `cannot refund ${usd(cents)}: order ${orderId} was ${usd(order.amount_cents)} and ${usd(before)} of it is already refunded (at most ${usd(order.amount_cents - before)} left)`
            : `cannot refund ${usd(cents)}: order ${orderId} was ${usd(order.amount_cents)}`,
        );
      }
      // A call that needed no approval ran without one: it may not take the total past the threshold.
      if (!refundApproval(args) && total > REFUND_APPROVAL_THRESHOLD_USD * 100) {
        throw new ToolError(
          `order ${orderId} already has ${usd(before)} refunded; with this ${usd(cents)} its refunds would total ${usd(total)}, above the $${REFUND_APPROVAL_THRESHOLD_USD} that needs no approval: ` +
            'call refund_payment again with requestApproval: true so a person approves it',
        );
      }
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
