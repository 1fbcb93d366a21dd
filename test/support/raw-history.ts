/**
 * A run's history as someone with access to Temporal but without the keys reads it: the
 * `temporal` CLI's JSON, plus whatever its base64 strings hold (a payload the CLI does not
 * render as text still counts as readable if its bytes are plaintext).
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { loadConfig } from '../../src/infra/config';
import { createLogger } from '../../src/infra/logger';
import { resolveTemporalCli } from '../../src/infra/temporal-cli';

const run = promisify(execFile);

export async function temporalCli(args: string[]): Promise<string> {
  const exe = await resolveTemporalCli(createLogger({ component: 'test' }, 'error'), loadConfig());
  if (exe.type !== 'existing-path') throw new Error('the tests need a built Temporal CLI (see .ci/run)');
  const { stdout } = await run(exe.path, args, { maxBuffer: 64 * 1024 * 1024 });
  return stdout;
}

/** The raw history's text: the CLI's JSON, and every base64 string in it decoded. */
export async function rawHistoryText(address: string, workflowId: string): Promise<string> {
  return withBase64Decoded(await temporalCli(['workflow', 'show', '--address', address, '--namespace', 'default', '--workflow-id', workflowId, '--output', 'json']));
}

/** JSON text followed by what each of its base64 strings decodes to. */
export function withBase64Decoded(json: string): string {
  const decoded = [...json.matchAll(/"([A-Za-z0-9+/]{16,}={0,2})"/g)].map((m) => Buffer.from(m[1]!, 'base64').toString('latin1'));
  return [json, ...decoded].join('\n');
}
