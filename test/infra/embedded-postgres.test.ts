/**
 * The embedded Postgres started by root runs as the user `postgres`: a data directory that
 * user cannot reach gets one error naming the directory and the ways out, not initdb's
 * bare "Permission denied". (Only root takes this path; CI runs as root.)
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ConfigError } from '../../src/infra/config';
import { createLogger } from '../../src/infra/logger';
import { freePort, startEmbeddedPostgres } from '../../src/infra/postgres';

const asRoot = process.getuid?.() === 0;

(asRoot ? test : test.skip)('a data directory under a directory only root may enter is refused, naming it', async () => {
  const locked = fs.mkdtempSync(path.join(os.tmpdir(), 'pg-locked-')); // mode 0700
  const start = startEmbeddedPostgres({ dir: path.join(locked, 'data', 'postgres'), port: await freePort(), persistent: false, log: createLogger({}, 'error') });
  await expect(start).rejects.toThrow(ConfigError);
  await expect(start).rejects.toThrow(`cannot enter ${locked} (mode 700): allow it (chmod o+x ${locked}), choose another DURABLE_AGENTS_DATA_DIR, or set DATABASE_URL`);
});
