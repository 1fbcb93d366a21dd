/** Workflow ids: `run-<tenant>-<uuid>`, a business key a person can read. */
import { randomUUID } from 'node:crypto';
import { DurableAgentsError } from '../shared/errors';
import { FailureType } from '../shared/failures';

const ID = /^[A-Za-z0-9][A-Za-z0-9._:/-]{0,254}$/;
const TENANT = /^[a-z0-9][a-z0-9-]{0,62}$/;

/** A malformed request from a caller: an id, a tenant, batch options. */
export class InvalidInputError extends DurableAgentsError {
  constructor(message: string) {
    super(message, { type: FailureType.InvalidInput, fault: 'user', retryable: false });
  }
}

export function newRunId(tenantId: string): string {
  return `run-${tenantId}-${randomUUID()}`;
}

export function assertRunId(id: string): string {
  if (!ID.test(id)) throw new InvalidInputError(`malformed run id "${id}": expected letters, digits and . _ : / - (e.g. run-acme-1b9d6bcd-…)`);
  return id;
}

export function assertTenantId(id: string): string {
  if (!TENANT.test(id)) throw new InvalidInputError(`malformed tenant id "${id}": lower-case letters, digits and dashes`);
  return id;
}
