/** Migrations against a database of their own: applied once, in order; an edited applied file is refused by name; a failing one leaves nothing behind. */
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { createLogger } from '../../src/infra/logger';
import { migrate } from '../../src/infra/migrations';
import { testEnv } from '../support/harness';

const log = createLogger({}, 'error');
const dbName = `migrations_${randomUUID().replace(/-/g, '')}`;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'migrations-'));
let admin: pg.Pool;
let pool: pg.Pool;

beforeAll(async () => {
  admin = new pg.Pool({ connectionString: testEnv().adminDatabaseUrl, max: 1 });
  await admin.query(`CREATE DATABASE ${dbName}`);
  const url = new URL(testEnv().adminDatabaseUrl);
  url.pathname = `/${dbName}`;
  pool = new pg.Pool({ connectionString: url.toString(), max: 2 });
});
afterAll(async () => {
  await pool?.end();
  await admin?.query(`DROP DATABASE IF EXISTS ${dbName}`);
  await admin?.end();
  fs.rmSync(dir, { recursive: true, force: true });
});

test('applies pending files in order, once; refuses an applied file that changed; rolls back a failing one', async () => {
  fs.writeFileSync(path.join(dir, '001_a.sql'), 'CREATE TABLE a (id int);');
  fs.writeFileSync(path.join(dir, '002_b.sql'), 'CREATE TABLE b (id int);');
  expect(await migrate(pool, log, dir)).toEqual(['001_a.sql', '002_b.sql']);
  expect(await migrate(pool, log, dir)).toEqual([]);

  fs.writeFileSync(path.join(dir, '002_b.sql'), 'CREATE TABLE b (id int, name text);');
  await expect(migrate(pool, log, dir)).rejects.toThrow('migration 002_b.sql was changed after it was applied');
  fs.writeFileSync(path.join(dir, '002_b.sql'), 'CREATE TABLE b (id int);');

  fs.writeFileSync(path.join(dir, '003_c.sql'), 'CREATE TABLE c (id int); SELECT no_such_function();');
  await expect(migrate(pool, log, dir)).rejects.toThrow(/migration 003_c\.sql failed: function no_such_function\(\) does not exist/);
  const { rows } = await pool.query("SELECT to_regclass('c') AS c, (SELECT max(version) FROM schema_migrations) AS v");
  expect(rows[0]).toEqual({ c: null, v: 2 });
});
