/**
 * Process configuration from the environment, validated once at start-up. A bad value
 * stops the process with one message naming the variable.
 */
import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { DURATION, DURATION_HINT } from '../shared/duration';
import { DurableAgentsError } from '../shared/errors';
import { FailureType } from '../shared/failures';
import { formatIssues } from '../shared/issues';
import { switchOn } from './env-switch';
import { PROJECT_ROOT } from './paths';

const intFromEnv = (def: number) => z.coerce.number().int().positive().default(def);
/** A switch: set (to anything but 0 or false) means on. */
const flag = z.string().optional().transform(switchOn);

export const ConfigSchema = z.object({
  TEMPORAL_ADDRESS: z.string().min(1).optional(),
  TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
  TEMPORAL_API_KEY: z.string().min(1).optional(),
  TEMPORAL_TLS_CERT_PATH: z.string().min(1).optional(),
  TEMPORAL_TLS_KEY_PATH: z.string().min(1).optional(),
  TEMPORAL_TLS_CA_PATH: z.string().min(1).optional(),
  TEMPORAL_CLI_PATH: z.string().min(1).optional(),
  TEMPORAL_PORT: intFromEnv(7233),
  TEMPORAL_UI_PORT: intFromEnv(8233),
  TASK_QUEUE: z.string().min(1).default('agents'),
  WORKER_MAX_CONCURRENT_ACTIVITIES: intFromEnv(100),
  WORKER_MAX_CONCURRENT_WORKFLOW_TASKS: intFromEnv(40),
  WORKER_MAX_CACHED_WORKFLOWS: z.coerce.number().int().min(0).default(1000),
  /** Module exporting `agents: AgentDefinition[]` for the worker; default: the examples. */
  AGENTS_MODULE: z.string().min(1).optional(),
  /** Prebundled workflow code; default: dist/workflow-bundle.js from `npm run build`. */
  WORKFLOW_BUNDLE_PATH: z.string().min(1).optional(),
  /** JSON file with guardrail, cache, budget and router settings; default: safe built-in policies. */
  POLICY_CONFIG: z.string().min(1).optional(),
  DATABASE_URL: z.string().min(1).optional(),
  /**
   * Where migrations run: the role that owns the service's tables. Default: DATABASE_URL.
   * Set it so DATABASE_URL can be a role that does not own them (a member of
   * `durable_agents_writer`), which cannot rewrite the audit trail.
   */
  MIGRATION_DATABASE_URL: z.string().regex(/^postgres(ql)?:\/\/\S+$/, 'must be a postgres:// URL').optional(),
  /** Audit rows older than this many days are archived (AUDIT_ARCHIVE_DIR) and pruned by housekeeping; `off` keeps them in Postgres for good. */
  AUDIT_RETENTION_DAYS: z
    .string()
    .regex(/^(off|[1-9]\d*)$/, "must be a whole number of days (1 or more), or 'off'")
    .default('off')
    .transform((v) => (v === 'off' ? ('off' as const) : Number(v))),
  /** Where archived audit rows are written as JSONL, one directory per tenant; default `<data dir>/audit-archive`. */
  AUDIT_ARCHIVE_DIR: z.string().min(1).optional(),
  /**
   * Where batch queries run: a login role without superuser that may read only the tables
   * batches query. Default: the embedded Postgres's `durable_agents_batch_reader`; with
   * DATABASE_URL set and this unset, query batches are refused.
   */
  BATCH_QUERY_DATABASE_URL: z.string().regex(/^postgres(ql)?:\/\/\S+$/, 'must be a postgres:// URL').optional(),
  /**
   * How often the worker's housekeeping schedule runs (it creates it at start-up if it is
   * missing), e.g. `1h` or `30m`; `off` creates none.
   */
  HOUSEKEEPING_EVERY: z.union([z.literal('off'), z.string().regex(DURATION, `${DURATION_HINT}, or 'off'`)]).default('1h'),
  EMBEDDED_POSTGRES_PORT: intFromEnv(54329),
  /** Overrides every agent's model, e.g. `openai:gpt-4o-mini`. */
  DURABLE_AGENTS_MODEL: z.string().regex(/^[a-z0-9-]+:.+$/, 'must look like <provider>:<model>').optional(),
  OPENAI_API_KEY: z.string().min(1).optional(),
  OPENAI_BASE_URL: z.string().url().optional(),
  ANTHROPIC_API_KEY: z.string().min(1).optional(),
  ANTHROPIC_BASE_URL: z.string().url().optional(),
  /** Where the CLI links runs to; default: the dev server's UI (without TEMPORAL_ADDRESS). */
  TEMPORAL_UI_URL: z.string().url().optional(),
  /** Structured log lines on stderr from this level up; also the Temporal SDK's (debug adds stacks). */
  LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error']).default('warn'),
  /** Stack traces with the CLI's one-line errors. */
  DEBUG: flag,
  /** Set by CI systems: `demo` does not wait for Ctrl+C. */
  CI: flag,
  /**
   * Payload encryption keys, `id=<base64 32-byte key>,…`. Unset on the embedded default:
   * a keyring is created in the data directory. Unset with TEMPORAL_ADDRESS: refused.
   */
  DURABLE_AGENTS_ENCRYPTION_KEYS: z.string().min(1).optional(),
  /** Which key seals new payloads; optional with one key. Rotate by adding a key and naming it here. */
  DURABLE_AGENTS_ENCRYPTION_KEY_ID: z.string().min(1).optional(),
  /** `off` stores payloads in plaintext (for a namespace whose histories must stay readable without the keys). */
  DURABLE_AGENTS_ENCRYPTION: z.enum(['on', 'off']).default('on'),
  /** The service's port: decisions and runs (`dev`, `demo`) and the codec server the Web UI calls (also `codec-server`). */
  DURABLE_AGENTS_PORT: intFromEnv(8234),
  /** The interface the service listens on; 0.0.0.0 to serve other hosts (behind TLS). */
  DURABLE_AGENTS_HOST: z.string().min(1).default('127.0.0.1'),
  /** The codec server's bearer token; on the embedded default one is made in the data directory. */
  DURABLE_AGENTS_CODEC_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
  /** Web UI origins allowed to call the codec server from a browser, comma-separated; default: the dev server's UI. */
  DURABLE_AGENTS_UI_ORIGINS: z
    .string()
    .transform((s) => s.split(',').map((o) => o.trim()).filter(Boolean))
    .pipe(z.array(z.url().transform((u) => new URL(u).origin)).min(1))
    .optional(),
  /** Runtime state of the embedded default (Temporal's SQLite file, Postgres data); default `.data/` in the project. */
  DURABLE_AGENTS_DATA_DIR: z.string().min(1).default(path.join(PROJECT_ROOT, '.data')),
  /** Build cache that outlives a checkout (the Temporal CLI takes minutes to build); default `$XDG_CACHE_HOME/durable-agents`. */
  DURABLE_AGENTS_CACHE_DIR: z.string().min(1).optional(),
  XDG_CACHE_HOME: z.string().min(1).optional(),
  /** Where the CLI reaches the service; default: http://127.0.0.1:DURABLE_AGENTS_PORT. */
  DURABLE_AGENTS_URL: z.string().url().optional(),
  /** The CLI's credential: an API key (`keys create`) … */
  DURABLE_AGENTS_API_KEY: z.string().min(1).optional(),
  /** … or an OIDC/JWT bearer token. */
  DURABLE_AGENTS_TOKEN: z.string().min(1).optional(),
  /** The service's Ed25519 private key for decision tokens (PEM or base64 PKCS#8 DER); never a worker's. */
  DURABLE_AGENTS_SIGNING_KEY: z.string().min(1).optional(),
  /** The public keys a worker accepts decision tokens from (PEM blocks, or base64 SPKI DER separated by commas); two during a rotation. */
  DURABLE_AGENTS_DECISION_KEYS: z.string().min(1).optional(),
  /** OIDC: JWT bearer tokens are accepted when this JWKS URL is set, with the issuer and audience below. */
  DURABLE_AGENTS_OIDC_JWKS_URL: z.string().url().optional(),
  DURABLE_AGENTS_OIDC_ISSUER: z.string().min(1).optional(),
  DURABLE_AGENTS_OIDC_AUDIENCE: z.string().min(1).optional(),
  /** Claims holding the principal's tenant (`*` for all), roles (a list or a space-separated string) and name; dotted paths reach nested claims. */
  DURABLE_AGENTS_OIDC_TENANT_CLAIM: z.string().min(1).default('tenant'),
  DURABLE_AGENTS_OIDC_ROLES_CLAIM: z.string().min(1).default('roles'),
  DURABLE_AGENTS_OIDC_NAME_CLAIM: z.string().min(1).default('name'),
}).superRefine((c, ctx) => {
  if (!c.DURABLE_AGENTS_OIDC_JWKS_URL) return;
  for (const key of ['DURABLE_AGENTS_OIDC_ISSUER', 'DURABLE_AGENTS_OIDC_AUDIENCE'] as const) {
    if (!c[key]) ctx.addIssue({ code: 'custom', path: [key], message: 'required when DURABLE_AGENTS_OIDC_JWKS_URL is set' });
  }
}).transform(({ DURABLE_AGENTS_CACHE_DIR, XDG_CACHE_HOME, AUDIT_ARCHIVE_DIR, ...c }) => ({
  ...c,
  DURABLE_AGENTS_URL: (c.DURABLE_AGENTS_URL ?? `http://127.0.0.1:${c.DURABLE_AGENTS_PORT}`).replace(/\/+$/, ''),
  DURABLE_AGENTS_CACHE_DIR: DURABLE_AGENTS_CACHE_DIR ?? path.join(XDG_CACHE_HOME ?? path.join(os.homedir(), '.cache'), 'durable-agents'),
  AUDIT_ARCHIVE_DIR: AUDIT_ARCHIVE_DIR ?? path.join(c.DURABLE_AGENTS_DATA_DIR, 'audit-archive'),
}));

export type Config = z.output<typeof ConfigSchema>;

/** Invalid configuration: the message names each bad variable or field. The process refuses to start. */
export class ConfigError extends DurableAgentsError {
  constructor(message: string) {
    super(message, { type: FailureType.InvalidConfig, fault: 'user', retryable: false });
  }
}

/** Parses the environment; throws a ConfigError whose message names each bad variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  // Empty (or blank) values mean "unset": shells and compose files often export VAR= .
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v.trim() !== ''));
  const parsed = ConfigSchema.safeParse(cleaned);
  if (!parsed.success) {
    throw new ConfigError(`invalid configuration: ${formatIssues(parsed.error.issues)}`);
  }
  return parsed.data;
}
