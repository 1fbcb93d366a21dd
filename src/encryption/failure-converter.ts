/**
 * Failures keep their message and stack in an encoded payload, so the codec seals them
 * like any other data: a tool's error message can quote the customer's data.
 * Loaded inside the workflow sandbox: no Node modules.
 */
import { DefaultFailureConverter } from '@temporalio/common';

export const failureConverter = new DefaultFailureConverter({ encodeCommonAttributes: true });
