/**
 * Starts what every test file shares: a real Temporal dev server, a real Postgres
 * (DATABASE_URL or an embedded one) with migrations applied and the batch-query role, and
 * the workflow bundle. Test files read the addresses from the environment.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { createLogger } from '../../src/infra/logger';
import { migrate } from '../../src/infra/migrations';
import { BATCH_READER_ROLE, ensureBatchReaderRole, freePort, startEmbeddedPostgres, type EmbeddedPostgresHandle } from '../../src/infra/postgres';
import { loadConfig } from '../../src/infra/config';
import { startDevServer } from '../../src/infra/temporal-dev';
import { formatKeyring, generateKeyring } from '../../src/trust/keyring';
import { writeWorkflowBundle } from '../../src/workers/bundle';

export default async function globalSetup(): Promise<void> {
  const log = createLogger({ component: 'test-setup' });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'durable-agents-test-'));
  // Embedded Postgres runs as its own system user when we are root: it must reach the dir.
  fs.chmodSync(dir, 0o755);
  const [server, database] = await Promise.all([
    startDevServer({ dbFilename: null, cli: loadConfig(), log }),
    (async (): Promise<EmbeddedPostgresHandle> => {
      const url = process.env.DATABASE_URL;
      if (!url) return startEmbeddedPostgres({ dir: path.join(dir, 'pg'), port: await freePort(), persistent: false, log });
      // An external server: BATCH_QUERY_DATABASE_URL, else the reader role created on it (this needs CREATEROLE).
      let batchQueryUrl = process.env.BATCH_QUERY_DATABASE_URL;
      if (!batchQueryUrl) {
        const admin = new pg.Pool({ connectionString: url, max: 1 });
        await ensureBatchReaderRole(admin).finally(() => admin.end());
        const u = new URL(url);
        u.username = BATCH_READER_ROLE;
        u.password = BATCH_READER_ROLE;
        batchQueryUrl = u.toString();
      }
      return { url, batchQueryUrl, stop: async () => undefined };
    })(),
  ]);
  const pool = new pg.Pool({ connectionString: database.url });
  await migrate(pool, log);
  await pool.end();
  const bundle = await writeWorkflowBundle(path.join(dir, 'workflow-bundle.js'), path.resolve(__dirname, '../../src/workflows/index.ts'));

  // One keyring for the whole run: test files, the workers they start and the CLI processes they spawn.
  process.env.DURABLE_AGENTS_ENCRYPTION_KEYS ??= formatKeyring(generateKeyring('test'));
  process.env.TEST_TEMPORAL_ADDRESS = server.address;
  process.env.TEST_DATABASE_URL = database.url;
  process.env.TEST_BATCH_QUERY_DATABASE_URL = database.batchQueryUrl;
  process.env.TEST_WORKFLOW_BUNDLE = bundle;
  process.env.TEST_TMP_DIR = dir;
  (globalThis as Record<string, unknown>).__durableAgentsTest = { server, database, dir };
}
