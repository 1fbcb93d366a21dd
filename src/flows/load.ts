/**
 * Finding flow specs: a path to a JSON file, or the name of an example under
 * examples/flows/. Node-side only (the client and the CLI); the workflow gets the spec.
 */
import fs from 'node:fs';
import path from 'node:path';
import { PROJECT_ROOT } from '../infra/paths';
import { DurableAgentsError } from '../shared/errors';
import { FailureType } from '../shared/failures';
import type { FlowSpec } from '../shared/flow-types';
import { InvalidFlowError, validateFlowSpec, type ValidateFlowOptions } from './validate';

/** Where the example flows live (also when running from dist/). */
export const EXAMPLE_FLOWS_DIR = path.join(PROJECT_ROOT, 'examples', 'flows');

/** A flow name or path that leads to no file. */
export class FlowNotFoundError extends DurableAgentsError {
  constructor(message: string) {
    super(message, { type: FailureType.InvalidFlowSpec, fault: 'user', retryable: false });
  }
}

/** Names of the example flows. */
export function exampleFlowNames(dir = EXAMPLE_FLOWS_DIR): string[] {
  return fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => f.endsWith('.json')).map((f) => f.slice(0, -5)).sort() : [];
}

/** The raw JSON of a spec given by path (anything ending in .json or containing a slash) or example name. */
export function readFlowSpec(ref: string, dir = EXAMPLE_FLOWS_DIR): unknown {
  const byPath = ref.endsWith('.json') || ref.includes('/') || ref.includes(path.sep);
  const file = byPath ? path.resolve(ref) : path.join(dir, `${ref}.json`);
  if (!fs.existsSync(file)) {
    throw new FlowNotFoundError(byPath ? `no flow spec at ${file}` : `no flow named "${ref}" (examples: ${exampleFlowNames(dir).join(', ') || 'none'}); give the path of a .json file for your own`);
  }
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    throw new InvalidFlowError(path.basename(file, '.json'), [`${file} is not valid JSON: ${(err as Error).message}`]);
  }
}

/** Reads and validates a spec by path or example name. */
export function loadFlowSpec(ref: string, options: ValidateFlowOptions = {}): FlowSpec {
  return validateFlowSpec(readFlowSpec(ref), options);
}
