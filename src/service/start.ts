/**
 * The service as `dev` and `demo` run it beside their stack: its own Temporal client (with
 * the stack's data converter), the principals in the stack's Postgres, the signing key from
 * configuration (or the data directory's on the embedded default), the codec routes when
 * payloads are encrypted, listening on DURABLE_AGENTS_PORT.
 */
import { Client, Connection } from '@temporalio/client';
import type { DataConverter } from '@temporalio/common';
import type pg from 'pg';
import type { Config } from '../infra/config';
import { temporalConnectionOptions } from '../infra/connection';
import type { Logger } from '../infra/logger';
import { serviceTrustFrom, type ServiceTrust } from '../trust/from-config';
import type { Keyring } from '../encryption/keyring';
import { serviceApp } from './app';
import { codecRouteOptions } from './codec-settings';
import { listen, type Listening } from './listen';

export interface LocalService extends Listening {
  trust: ServiceTrust;
}

export async function startLocalService(opts: { config: Config; address: string; namespace: string; pool: pg.Pool; log: Logger; keyring?: Keyring; dataConverter: DataConverter }): Promise<LocalService> {
  const { config } = opts;
  const trust = serviceTrustFrom(config, opts.pool);
  const connection = await Connection.connect(temporalConnectionOptions(config, opts.address));
  try {
    const temporal = new Client({ connection, namespace: opts.namespace, dataConverter: opts.dataConverter });
    const app = serviceApp({
      decisions: { temporal, taskQueue: config.TASK_QUEUE, authenticate: trust.authenticate, signer: trust.signer, log: opts.log },
      ...(opts.keyring ? { codec: codecRouteOptions(config, opts.keyring) } : {}),
    });
    const running = await listen(app, config.DURABLE_AGENTS_PORT, config.DURABLE_AGENTS_HOST).catch((err: NodeJS.ErrnoException) => {
      throw err.code === 'EADDRINUSE' ? new Error(`port ${config.DURABLE_AGENTS_PORT} (DURABLE_AGENTS_PORT) is in use: the service cannot listen; stop what uses it or choose another port`) : err;
    });
    return {
      ...running,
      trust,
      async close() {
        await running.close();
        await connection.close();
      },
    };
  } catch (err) {
    await connection.close();
    throw err;
  }
}
