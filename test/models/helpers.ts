import type { ApplicationFailure } from '@temporalio/common';
import { toApplicationFailure } from '../../src/activities/failures';
import { classifyProviderError } from '../../src/models/errors';
import type { ToolSchema } from '../../src/shared/messages';

/** Runs `call`, which must fail, and classifies what it threw the way the activity does. */
export async function classifiedFailure(call: () => Promise<unknown>, provider: string): Promise<ApplicationFailure> {
  let thrown: unknown;
  try {
    await call();
  } catch (err) {
    thrown = err;
  }
  if (thrown === undefined) throw new Error('expected the call to fail, but it succeeded');
  return toApplicationFailure(classifyProviderError(thrown, provider)) as ApplicationFailure;
}

export const lookupOrderTool: ToolSchema = {
  name: 'lookup_order',
  description: 'Look up an order by id',
  parameters: {
    type: 'object',
    properties: { orderId: { type: 'string', description: 'Order id, e.g. AB-123' } },
    required: ['orderId'],
    additionalProperties: false,
  },
};
