/** Flow specs: validation (pure) and loading from files. */
export { InvalidFlowError, validateFlowSpec, type ValidateFlowOptions } from './validate';
export { exampleFlowNames, FlowNotFoundError, loadFlowSpec, readFlowSpec, EXAMPLE_FLOWS_DIR } from './load';
export type * from '../shared/flow-types';
