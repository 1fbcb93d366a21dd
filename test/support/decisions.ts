/**
 * Signed decisions in tests: one Ed25519 key pair per test process, standing in for the
 * service's. Workers started by the harness trust its public key; tests approve, reject
 * and answer escalations through `decide`, as the service would after authenticating
 * the person (the service itself is tested in test/service and test/guarantees).
 */
import { generateKeyPairSync } from 'node:crypto';
import type { Client } from '@temporalio/client';
import { AgentClient } from '../../src/client/agent-client';
import { FlowClient } from '../../src/client/flow-client';
import type { Principal, Role } from '../../src/shared/principal';
import { DecisionSigner } from '../../src/trust/decision-token';

export const testKeys = generateKeyPairSync('ed25519');
export const testSigner = new DecisionSigner(testKeys.privateKey);

/** A principal approving in every tenant, named as a test names it. */
export function approverNamed(name: string, extra: Partial<Principal> = {}): Principal {
  return { id: `test:${name}`, name, kind: 'person', tenant: '*', roles: ['approver'], ...extra };
}

/** Decisions a test takes as `principal` (default: an approver of every tenant named "alice"), signed like the service signs them. */
export function decide(temporal: Client, taskQueue = 'agents', signer: DecisionSigner = testSigner) {
  const agents = new AgentClient(temporal, taskQueue);
  const flows = new FlowClient(temporal, taskQueue);
  const ns = temporal.options.namespace;
  const as = (by: string | Principal): { p: Principal; role: Role } => {
    const p = typeof by === 'string' ? approverNamed(by) : by;
    return { p, role: p.roles.includes('approver') ? 'approver' : p.roles.includes('admin') ? 'admin' : p.roles[0]! };
  };
  return {
    approve(id: string, callId: string, argsHash: string, by: string | Principal = 'alice') {
      const { p, role } = as(by);
      return agents.approve(id, callId, argsHash, signer.sign(p, role, { namespace: ns, workflowId: id, kind: 'approve', target: callId, argsHash }));
    },
    /** `argsHash`: the pending call's (a rejection names the call it rejects). */
    reject(id: string, callId: string, argsHash: string, reason?: string, by: string | Principal = 'alice') {
      const { p, role } = as(by);
      return agents.reject(id, callId, signer.sign(p, role, { namespace: ns, workflowId: id, kind: 'reject', target: callId, argsHash, ...(reason !== undefined ? { text: reason } : {}) }), reason);
    },
    answer(flowId: string, nodeId: string, answer: string, by: string | Principal = 'alice') {
      const { p, role } = as(by);
      return flows.answerEscalation(flowId, nodeId, answer, signer.sign(p, role, { namespace: ns, workflowId: flowId, kind: 'answer', target: nodeId, text: answer }));
    },
  };
}

export type Decide = ReturnType<typeof decide>;
