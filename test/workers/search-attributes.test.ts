/**
 * A worker refuses a namespace that lacks a search attribute its workflows set (an
 * upgrade that adds one, deployed before the attribute was registered): otherwise every
 * new run's workflow tasks fail, and runs in flight stop at their next upsert.
 */
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { NativeConnection } from '@temporalio/worker';
import { AgentRegistry } from '../../src/agents/registry';
import { ConfigError, loadConfig } from '../../src/infra/config';
import { createLogger } from '../../src/infra/logger';
import { freePort } from '../../src/infra/postgres';
import { resolveTemporalCli } from '../../src/infra/temporal-cli';
import { AgentNameKey } from '../../src/shared/search-attributes';
import { createAgentWorker } from '../../src/workers/agent-worker';
import { testEnv } from '../support/harness';
import { testDataConverter } from '../support/data-converter';

test('a namespace without TenantId, CostUsd, FlowName and the rest is refused, with the command that registers them', async () => {
  const log = createLogger({}, 'error');
  const env = await TestWorkflowEnvironment.createLocal({
    server: { executable: await resolveTemporalCli(log, loadConfig()), port: await freePort(), ip: '127.0.0.1', searchAttributes: [AgentNameKey], log: { format: 'pretty', level: 'error' } },
  });
  const connection = await NativeConnection.connect({ address: env.address });
  try {
    const start = createAgentWorker({
      connection,
      namespace: 'default',
      taskQueue: 'never-polled',
      // The check comes before anything the worker would use: empty dependencies suffice.
      deps: { agents: new AgentRegistry([]) } as never,
      workflowBundlePath: testEnv().bundle,
      dataConverter: testDataConverter(),
    });
    await expect(start).rejects.toThrow(ConfigError);
    await expect(start).rejects.toThrow(
      'namespace "default" lacks the search attributes TenantId, AgentStatus, CostUsd, FlowName, BatchId; register them once: temporal operator search-attribute create --namespace default --name TenantId --type Keyword --name AgentStatus --type Keyword --name CostUsd --type Double --name FlowName --type Keyword --name BatchId --type Keyword',
    );
  } finally {
    await connection.close();
    await env.teardown();
  }
}, 60_000);
