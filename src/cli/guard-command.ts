/**
 * `durable-agents guard`: runs the worker's guardrails (as POLICY_CONFIG configures them)
 * over JSONL on stdin, one verdict per line on stdout. It needs no server, so anyone can
 * evaluate the guardrails against a corpus.
 */
import type { Config } from '../infra/config';
import { loadPolicyConfig } from '../policies';
import { guardJsonl } from '../policies/guardrails';
import type { Out } from './commands';

export interface GuardOptions {
  agent?: string;
  tenant?: string;
  role?: string;
}

export async function guardCommand(
  config: Config,
  opts: GuardOptions,
  io: { input: NodeJS.ReadableStream; output: NodeJS.WritableStream; err: Out },
): Promise<number> {
  const agent = opts.agent ?? '';
  const tenantId = opts.tenant ?? 'default';
  const guardrails = loadPolicyConfig(config.POLICY_CONFIG).guardrails.for(agent, tenantId);
  const counts = await guardJsonl(io.input, io.output, guardrails, { agent, tenantId, ...(opts.role ? { role: opts.role } : {}) });
  const summary = `${counts.lines} checked: ${counts.allowed} allowed, ${counts.redacted} redacted, ${counts.blocked} blocked`;
  if (counts.errors) {
    io.err(`${summary}; ${counts.errors} malformed line(s) (see the error lines in the output)`);
    return 2;
  }
  io.err(summary);
  return 0;
}
