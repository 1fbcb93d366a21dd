/** The name of the `housekeeping` workflow. Clients import this module, never the workflow implementation. */
export const HOUSEKEEPING_WORKFLOW = 'housekeeping';
