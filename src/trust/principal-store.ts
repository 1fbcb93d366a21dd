/**
 * Principals with API keys, in Postgres (`api_keys`, migrations/007_api_keys.sql). Create returns the
 * key once; list never shows a secret; revoke keeps the row so past decisions keep a
 * name, and a revoked key authenticates no more.
 */
import os from 'node:os';
import type pg from 'pg';
import { appendAudit } from '../audit/log';
import { ALL_TENANTS, ROLES, TENANT_ID, type Principal, type Role } from '../shared/principal';
import { newApiKey } from './api-keys';
import { InvalidPrincipalError } from './errors';

export interface ApiKeyRecord {
  keyId: string;
  principal: Principal;
  createdAt: Date;
  revokedAt?: Date;
}

export interface NewPrincipal {
  name: string;
  tenant: string;
  roles: Role[];
  kind?: Principal['kind'];
}

interface Row {
  key_id: string;
  secret_sha256: Buffer;
  name: string;
  kind: Principal['kind'];
  tenant: string;
  roles: Role[];
  created_at: Date;
  revoked_at: Date | null;
}

/** The principal an API key stands for. */
export function keyPrincipalId(keyId: string): string {
  return `key:${keyId}`;
}

function record(r: Row): ApiKeyRecord {
  return {
    keyId: r.key_id,
    principal: { id: keyPrincipalId(r.key_id), name: r.name, kind: r.kind, tenant: r.tenant, roles: r.roles },
    createdAt: r.created_at,
    ...(r.revoked_at ? { revokedAt: r.revoked_at } : {}),
  };
}

/** Checks a new principal as a person typed it: each problem names its option. */
export function checkNewPrincipal(p: NewPrincipal): NewPrincipal {
  const name = p.name.trim();
  if (!name || name.length > 200) throw new InvalidPrincipalError('--name must be 1 to 200 characters');
  if (p.tenant !== ALL_TENANTS && !TENANT_ID.test(p.tenant)) throw new InvalidPrincipalError(`--tenant "${p.tenant}" is not a tenant id (lower-case letters, digits and dashes) or * for all tenants`);
  if (!p.roles.length) throw new InvalidPrincipalError(`--role is required (one or more of: ${ROLES.join(', ')})`);
  const unknown = p.roles.filter((r) => !(ROLES as readonly string[]).includes(r));
  if (unknown.length) throw new InvalidPrincipalError(`unknown role "${unknown[0]}" (one of: ${ROLES.join(', ')})`);
  return { name, tenant: p.tenant, roles: [...new Set(p.roles)], kind: p.kind ?? 'person' };
}

export class PrincipalStore {
  constructor(private readonly pool: pg.Pool) {}

  /** A new principal and its key; `key` is shown once and never stored. */
  /**
   * A principal and its key; the change is in the audit trail of the principal's tenant.
   * `by`: who made it (the CLI: the operating-system user on the host).
   */
  async create(input: NewPrincipal, by = localOperator()): Promise<{ record: ApiKeyRecord; key: string }> {
    const p = checkNewPrincipal(input);
    const k = newApiKey();
    const { rows } = await this.pool.query<Row>(
      'INSERT INTO api_keys (key_id, secret_sha256, name, kind, tenant, roles) VALUES ($1, $2, $3, $4, $5, $6) RETURNING *',
      [k.keyId, k.secretSha256, p.name, p.kind, p.tenant, p.roles],
    );
    const created = record(rows[0]!);
    try {
      await this.audit(created, 'key_created', by);
    } catch (err) {
      // A key whose creation is not in the trail must not authenticate anyone.
      await this.pool.query('DELETE FROM api_keys WHERE key_id = $1', [k.keyId]).catch(() => undefined);
      throw err;
    }
    return { record: created, key: k.key };
  }

  async list(): Promise<ApiKeyRecord[]> {
    const { rows } = await this.pool.query<Row>('SELECT * FROM api_keys ORDER BY created_at, key_id');
    return rows.map(record);
  }

  /** Revokes a key (again: no change); an unknown id is the caller's mistake. */
  async revoke(keyId: string, by = localOperator()): Promise<ApiKeyRecord> {
    const id = keyId.replace(/^key:/, '');
    if (!/^[0-9a-f]{16}$/.test(id)) throw new InvalidPrincipalError(`malformed key id "${keyId}": 16 hex digits, as keys list shows them`);
    const { rows } = await this.pool.query<Row>('UPDATE api_keys SET revoked_at = coalesce(revoked_at, now()) WHERE key_id = $1 RETURNING *', [id]);
    if (!rows[0]) throw new InvalidPrincipalError(`no API key with id ${id} (see: npx durable-agents keys list)`);
    const revoked = record(rows[0]);
    await this.audit(revoked, 'key_revoked', by);
    return revoked;
  }

  /** Idempotent per key and action: revoking twice leaves one row. */
  private async audit(r: ApiKeyRecord, action: 'key_created' | 'key_revoked', by: string): Promise<void> {
    const facts = { action, keyId: r.keyId, principal: r.principal.id, kind: r.principal.kind, roles: r.principal.roles.join(',') };
    await appendAudit(this.pool, { tenantId: r.principal.tenant, kind: 'access_change', key: `api-key:${r.keyId}:${action}`, principal: by, detail: facts, data: { ...facts, name: r.principal.name, by } });
  }

  /** The stored key with this id, secret hash included, for authentication. */
  async find(keyId: string): Promise<(ApiKeyRecord & { secretSha256: Buffer }) | undefined> {
    const { rows } = await this.pool.query<Row>('SELECT * FROM api_keys WHERE key_id = $1', [keyId]);
    return rows[0] ? { ...record(rows[0]), secretSha256: rows[0].secret_sha256 } : undefined;
  }
}

/** Who changes keys from a shell: whoever the host says runs the command. */
function localOperator(): string {
  return `local:${os.userInfo().username}`;
}
