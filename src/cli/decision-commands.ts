/**
 * `approve`, `reject` and `flow answer`: decisions a person must be authenticated for. They
 * go to the durable-agents service over HTTP with the credential in the environment
 * (DURABLE_AGENTS_API_KEY or DURABLE_AGENTS_TOKEN); the service checks the role and tenant,
 * signs the decision and sends it to the run. Who decided is the credential's principal.
 */
import { UnreachableError } from '../client/connect';
import { InvalidInputError } from '../client/ids';
import { ServiceClient } from '../client/service-client';
import type { Config } from '../infra/config';
import type { Decider } from '../shared/run-types';
import type { Out } from './commands';

const who = (d: Decider) => `${d.name} (${d.role}, ${d.id})`;

/** The service client for `config`; an unreachable default service is one `dev` away. */
async function withService(config: Config, fn: (service: ServiceClient) => Promise<number>): Promise<number> {
  try {
    return await fn(ServiceClient.fromConfig(config));
  } catch (err) {
    if (err instanceof UnreachableError && !process.env.DURABLE_AGENTS_URL) throw new UnreachableError(`${err.message}; start it with "npx durable-agents dev"`, err);
    throw err;
  }
}

export function approveCommand(config: Config, id: string, callId: string, out: Out): Promise<number> {
  return withService(config, async (service) => {
    const r = await service.approve(id, callId);
    out(`approved ${r.tool} [${callId}] with arguments ${JSON.stringify(r.args)}, as ${who(r.by)}`);
    return 0;
  });
}

export function rejectCommand(config: Config, id: string, callId: string, reason: string | undefined, out: Out): Promise<number> {
  return withService(config, async (service) => {
    const r = await service.reject(id, callId, reason !== undefined ? { reason } : {});
    out(`rejected ${r.tool} [${callId}]${reason ? `: ${reason}` : ''}, as ${who(r.by)}`);
    return 0;
  });
}

export function answerCommand(config: Config, id: string, nodeId: string, answer: string, out: Out): Promise<number> {
  if (!answer.trim()) throw new InvalidInputError('the answer is empty');
  return withService(config, async (service) => {
    const r = await service.answerEscalation(id, nodeId, answer);
    out(`answered ${nodeId} of ${id} as ${who(r.by)}; the flow goes on`);
    return 0;
  });
}
