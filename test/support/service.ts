/**
 * The service's decision routes on a loopback port for a harness's task queue, signing
 * with the test key the harness's worker trusts; and API keys for the principals a test
 * needs, as `keys create` makes them.
 */
import { serviceApp } from '../../src/service/app';
import { listen } from '../../src/service/listen';
import type { Principal } from '../../src/shared/principal';
import { createAuthenticator } from '../../src/trust/authenticate';
import { PrincipalStore } from '../../src/trust/principal-store';
import { testSigner } from './decisions';
import type { Harness } from './harness';

export interface TestService {
  url: string;
  store: PrincipalStore;
  /** A new principal's API key. */
  key(name: string, tenant?: string, roles?: Principal['roles']): Promise<string>;
  close(): Promise<void>;
}

export async function startTestService(h: Harness): Promise<TestService> {
  const store = new PrincipalStore(h.pool);
  const app = serviceApp({ decisions: { temporal: h.temporal, taskQueue: h.taskQueue, authenticate: createAuthenticator({ store }), signer: testSigner } });
  const running = await listen(app, 0);
  return {
    url: running.url,
    store,
    key: async (name, tenant = '*', roles = ['approver']) => (await store.create({ name, tenant, roles })).key,
    close: () => running.close(),
  };
}
