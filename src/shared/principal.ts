/**
 * Who may do what: principals (people and services) hold roles in one tenant, or in
 * every tenant (`*`). Pure and plain JSON, so the workflows, the service and the CLI
 * share one reading of a role.
 */

export const ROLES = ['viewer', 'operator', 'approver', 'admin'] as const;
export type Role = (typeof ROLES)[number];

/** A tenant id, or `*` for every tenant. */
export const ALL_TENANTS = '*';

/** Tenant ids: lower-case letters, digits and dashes. */
export const TENANT_ID = /^[a-z0-9][a-z0-9-]{0,62}$/;

export interface Principal {
  /** Stable id: `key:<key id>` for an API key, `oidc:<subject>` for a JWT. */
  id: string;
  /** For people reading decisions: the key's name, or the token's name claim. */
  name: string;
  kind: 'person' | 'service';
  /** The tenant this principal acts in, or `*` for all. */
  tenant: string;
  roles: Role[];
}

/** What a request asks to do. */
export type Action = 'view' | 'start' | 'decide';

/** The roles that allow an action, in the order one is picked as the role used. */
const ALLOWED_BY: Record<Action, Role[]> = {
  view: ['viewer', 'operator', 'approver', 'admin'],
  start: ['operator', 'admin'],
  decide: ['approver', 'admin'],
};

/** The roles that may decide approvals, rejections and escalations. */
export const DECIDING_ROLES: readonly Role[] = ALLOWED_BY.decide;

export function coversTenant(principalTenant: string, tenant: string): boolean {
  return principalTenant === ALL_TENANTS || principalTenant === tenant;
}

/**
 * The role `p` would act with to do `action` in `tenant`, or why it may not. The role
 * used is recorded with every decision, so the most specific one is chosen (approver
 * before admin).
 */
export function roleFor(p: Pick<Principal, 'tenant' | 'roles'>, action: Action, tenant: string): { role: Role } | { refused: string } {
  const role = ALLOWED_BY[action].find((r) => p.roles.includes(r));
  if (!role) return { refused: `it holds ${p.roles.join(', ') || 'no role'}; ${action === 'decide' ? 'deciding' : action === 'start' ? 'starting runs' : 'viewing'} needs ${ALLOWED_BY[action].join(' or ')}` };
  if (!coversTenant(p.tenant, tenant)) return { refused: `it belongs to tenant ${p.tenant}, not ${tenant}` };
  return { role };
}
