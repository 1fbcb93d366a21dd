/**
 * Whether the role a pool logs in as could rewrite the audit trail. The trail's rows can
 * only be trusted if the workers cannot change them: a superuser, the owner of
 * `audit_log` (or a member of the owner) and a role granted UPDATE, DELETE or TRUNCATE on
 * it all can. The embedded default never is; a DATABASE_URL may be.
 */
import type pg from 'pg';

/** What to change, for the start-up warning and the README. */
export const AUDIT_ROLE_ADVICE =
  'Run migrations as the tables\' owner (MIGRATION_DATABASE_URL) and give DATABASE_URL a login role without superuser that is a member of durable_agents_writer (GRANT durable_agents_writer TO <role>); see the README, "Audit trail"';

/** Why the current role could rewrite `audit_log`, or undefined when it cannot (or the table does not exist yet). */
export async function auditRewriteRisk(pool: pg.Pool): Promise<string | undefined> {
  const { rows } = await pool.query<{ role: string; superuser: boolean; owner: boolean; update: boolean; delete: boolean; truncate: boolean }>(
    `SELECT current_user AS role, r.rolsuper AS superuser,
            pg_has_role(current_user, c.relowner, 'USAGE') AS owner,
            has_table_privilege(current_user, c.oid, 'UPDATE') AS update,
            has_table_privilege(current_user, c.oid, 'DELETE') AS delete,
            has_table_privilege(current_user, c.oid, 'TRUNCATE') AS truncate
     FROM pg_roles r, pg_class c
     WHERE r.rolname = current_user AND c.oid = to_regclass('audit_log')`,
  );
  const r = rows[0];
  if (!r) return undefined;
  if (r.superuser) return `role "${r.role}" is a superuser`;
  if (r.owner) return `role "${r.role}" owns audit_log (or is a member of its owner)`;
  const may = (['update', 'delete', 'truncate'] as const).filter((p) => r[p]).map((p) => p.toUpperCase());
  return may.length ? `role "${r.role}" may ${may.join(', ')} audit_log` : undefined;
}
