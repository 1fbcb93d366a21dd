/**
 * The client side of every command that talks to a running service: connect, run the
 * command, turn the client SDK's errors into one line each, close.
 */
import { ServiceError, WorkflowExecutionAlreadyStartedError, WorkflowFailedError, WorkflowNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';
import { AgentClient } from '../client/agent-client';
import { UnreachableError } from '../client/connect';
import { InvalidInputError } from '../client/ids';
import type { Config } from '../infra/config';

/** Connects; an unreachable embedded default (no TEMPORAL_ADDRESS) is one `dev` away. */
export async function connect(config: Config): Promise<AgentClient> {
  try {
    return await AgentClient.connect(config);
  } catch (err) {
    if (err instanceof UnreachableError && !config.TEMPORAL_ADDRESS) throw new UnreachableError(`${err.message}; start it with "npx durable-agents dev"`, err);
    throw err;
  }
}

/** The SDK's error as one line (exit code 1, or 2 for a request the server calls malformed); any other error as it is. */
export function fromTemporal(err: unknown): unknown {
  const line = (message: string) => new Error(message, { cause: err });
  if (err instanceof WorkflowNotFoundError) return line(`no run with id "${err.workflowId}"`);
  if (err instanceof WorkflowExecutionAlreadyStartedError) return line(`a run with id "${err.workflowId}" already exists`);
  if (err instanceof WorkflowUpdateFailedError) return line(`refused: ${rootMessage(err.cause) ?? err.message}`);
  if (err instanceof WorkflowFailedError) return line(`run failed: ${rootMessage(err.cause) ?? err.message}`);
  // The SDK wraps some calls' gRPC errors ("Failed to list workflows"): the server's own words are in the cause.
  const grpc = (err instanceof ServiceError ? err.cause : err) as { code?: number; details?: string } | undefined;
  // gRPC INVALID_ARGUMENT: the server refused the request as malformed.
  if (grpc?.code === 3 && grpc.details) return new InvalidInputError(grpc.details);
  if (err instanceof ServiceError && grpc?.details) return line(`${err.message}: ${grpc.details}`);
  return err;
}

function rootMessage(err: unknown): string | undefined {
  let e = err as { message?: string; cause?: unknown } | undefined;
  // ActivityFailure wraps the useful message one level down; the workflow's own failure
  // already names what was undone, so stop at the first ApplicationFailure.
  while (e && (e as { constructor: { name: string } }).constructor.name !== 'ApplicationFailure' && e.cause) e = e.cause as typeof e;
  return e?.message;
}

/** Runs `fn` with its SDK errors as one line each. */
export async function temporalErrors<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw fromTemporal(err);
  }
}

/** Connects, runs `fn` with a client, and closes it. */
export async function withClient(config: Config, fn: (client: AgentClient) => Promise<number>): Promise<number> {
  const client = await connect(config);
  try {
    return await temporalErrors(() => fn(client));
  } finally {
    await client.close();
  }
}
