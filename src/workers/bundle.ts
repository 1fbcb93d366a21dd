/**
 * Prebundles the workflow code once (webpack, ~1 s) so workers start without bundling.
 * `npm run build` writes dist/workflow-bundle.js; tests bundle the TypeScript sources.
 */
import fs from 'node:fs';
import path from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';
import { CONVERTER_PATHS } from '../encryption/data-converter';
import { defaultWorkflowBundlePath } from './agent-worker';

export async function writeWorkflowBundle(outFile: string, workflowsPath = require.resolve('../workflows')): Promise<string> {
  const { code } = await bundleWorkflowCode({ workflowsPath, ...CONVERTER_PATHS, logger: quietLogger });
  fs.mkdirSync(path.dirname(outFile), { recursive: true });
  fs.writeFileSync(outFile, code);
  return outFile;
}

const noop = (): void => undefined;
const quietLogger = { trace: noop, debug: noop, info: noop, warn: noop, error: (m: string) => process.stderr.write(`${m}\n`), log: noop };

if (require.main === module) {
  const out = process.argv[2] ?? defaultWorkflowBundlePath();
  writeWorkflowBundle(out).catch((err: Error) => {
    process.stderr.write(`workflow bundle failed: ${err.message}\n`);
    process.exit(1);
  });
}
