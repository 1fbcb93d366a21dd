/**
 * How every client connects to Temporal: within a few seconds, and when the server cannot
 * be reached, one error naming the address, the variable it came from and why. gRPC alone
 * retries a refused connection until its deadline and then says only that the deadline
 * passed, so a plain TCP connection is tried beside it: that fails at once, with the reason.
 */
import net from 'node:net';
import { Client, Connection } from '@temporalio/client';
import type { Config } from '../infra/config';
import { temporalConnectionOptions } from '../infra/connection';
import { configuredDataConverter } from '../encryption/data-converter';
import { DurableAgentsError } from '../shared/errors';
import { FailureType } from '../shared/failures';

/** How long connecting may take in all before it counts as unreachable. */
export const CONNECT_TIMEOUT_MS = 2000;

/** A service (Temporal, Postgres, a worker) cannot be reached: the message says which, where, and why. */
export class UnreachableError extends DurableAgentsError {
  constructor(message: string, cause?: unknown) {
    super(message, { type: FailureType.InfrastructureUnavailable, fault: 'system', retryable: true, cause });
  }
}

/** Socket error codes as people say them. */
const REASONS: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  ENOTFOUND: 'no such host',
  EAI_AGAIN: 'the host name cannot be resolved now',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
};

/** `host:port` or `[v6]:port`; other gRPC targets (`dns:…`, `unix:…`) are not probed. */
function hostPort(address: string): { host: string; port: number } | undefined {
  const m = /^(?:\[([^\]]+)\]|([^:/[\]]+)):(\d{1,5})$/.exec(address);
  return m ? { host: (m[1] ?? m[2])!, port: Number(m[3]) } : undefined;
}

/** Why a TCP connection to `address` fails within `ms`, or undefined when it opens. */
function probe(address: string, ms: number): Promise<string | undefined> {
  const target = hostPort(address);
  // gRPC goes through a proxy when one of these is set; a direct connection proves nothing then.
  const proxied = ['grpc_proxy', 'https_proxy', 'http_proxy'].some((v) => process.env[v] || process.env[v.toUpperCase()]);
  if (!target || proxied) return Promise.resolve(undefined);
  return new Promise((resolve) => {
    const socket = net.connect({ ...target, timeout: ms });
    const done = (reason: string | undefined) => {
      socket.destroy();
      resolve(reason);
    };
    socket.once('connect', () => done(undefined));
    socket.once('timeout', () => done(`no answer within ${ms / 1000}s`));
    socket.once('error', (err: NodeJS.ErrnoException) => done(REASONS[err.code ?? ''] ?? err.message));
  });
}

/** What a failed gRPC connect says, in one line: the server's own reason when it gave one. */
function grpcReason(err: unknown, ms: number): string {
  const e = err as { message?: string; cause?: { details?: string } };
  if (e?.cause?.details) return e.cause.details;
  if (/deadline/i.test(e?.message ?? '')) return `no gRPC answer within ${ms / 1000}s`;
  return (e?.message ?? String(err)).split('\n')[0]!;
}

/** Connects with the environment's settings (TEMPORAL_ADDRESS or the dev server's port, namespace, TLS, API key). */
export async function connectClient(config: Config): Promise<Client> {
  const options = temporalConnectionOptions(config);
  const where = `Temporal at ${options.address} (${config.TEMPORAL_ADDRESS ? 'TEMPORAL_ADDRESS' : 'TEMPORAL_PORT'})`;
  const connection = Connection.lazy({ ...options, connectTimeout: CONNECT_TIMEOUT_MS });
  // Together: the probe adds no wait when the server is there.
  const connected = connection.ensureConnected();
  connected.catch(() => undefined); // reported below, unless the probe has the better reason
  const failed = async (reason: string, cause?: unknown): Promise<never> => {
    await connection.close().catch(() => undefined);
    throw new UnreachableError(`cannot reach ${where}: ${reason}`, cause);
  };
  const refused = await probe(options.address, CONNECT_TIMEOUT_MS);
  if (refused) return failed(refused);
  try {
    await connected;
  } catch (err) {
    return failed(grpcReason(err, CONNECT_TIMEOUT_MS), err);
  }
  return new Client({ connection, namespace: config.TEMPORAL_NAMESPACE, dataConverter: configuredDataConverter(config) });
}
