/**
 * In a real browser (Debian's chromium through playwright-core): the Web UI of `dev` shows
 * a demo run's task and activity summaries decoded through the codec server, and, when
 * the page cannot reach the codec server, only what Temporal stores: ciphertext.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { connectClient } from '../../src/client/connect';
import { AgentClient } from '../../src/client/agent-client';
import { DEMO_TASK } from '../../src/cli/dev';
import { loadConfig } from '../../src/infra/config';
import { freePort } from '../../src/infra/postgres';

const ROOT = path.resolve(__dirname, '../..');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
let dev: ChildProcess;
let output = '';
let env: Record<string, string>;
let browser: Browser;
let runUrl: string;

beforeAll(async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'web-ui-codec-'));
  fs.chmodSync(dir, 0o755); // embedded Postgres runs as its own user when we are root
  env = {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? '',
    DURABLE_AGENTS_DATA_DIR: dir,
    TEMPORAL_PORT: String(await freePort()),
    TEMPORAL_UI_PORT: String(await freePort()),
    EMBEDDED_POSTGRES_PORT: String(await freePort()),
    DURABLE_AGENTS_PORT: String(await freePort()),
  };
  dev = spawn(process.execPath, [path.join(ROOT, 'dist/src/cli/cli.js'), 'dev'], { cwd: ROOT, env });
  dev.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  dev.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  for (let waited = 0; !output.includes('Ready.'); waited += 200) {
    if (waited > 150_000 || dev.exitCode !== null) throw new Error(`dev did not start:\n${output}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  // The demo's run, up to its approval: the task, a lookup and the refund waiting.
  const config = loadConfig(env);
  const client = new AgentClient(await connectClient(config), config.TASK_QUEUE);
  const { id } = await client.start('support', DEMO_TASK, { tenantId: 'acme' });
  for (let i = 0; i < 600 && !(await client.state(id)).pendingApprovals.length; i++) await new Promise((r) => setTimeout(r, 100));
  await client.client.connection.close();
  runUrl = `http://localhost:${env.TEMPORAL_UI_PORT}/namespaces/default/workflows/${id}`;
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
}, 240_000);

afterAll(async () => {
  await browser?.close();
  if (dev?.exitCode === null) {
    dev.kill('SIGINT');
    await new Promise((r) => dev.once('close', r));
  }
});

/** All text of the page, its frames included, once `ready` shows (or after 30 s). */
async function pageText(page: Page, ready: (text: string) => boolean): Promise<string> {
  let text = '';
  for (let i = 0; i < 60; i++) {
    text = (await Promise.all(page.frames().map((f) => f.locator('body').innerText({ timeout: 2000 }).catch(() => '')))).join('\n');
    if (ready(text)) break;
    await page.waitForTimeout(500);
  }
  return text;
}

async function open(blockCodec: boolean, ready: (text: string) => boolean): Promise<{ page: Page; text: string; codecCalls: number }> {
  const page = await browser.newPage({ viewport: { width: 1400, height: 2400 } });
  let codecCalls = 0;
  await page.route('**/codec/**', (route) => {
    codecCalls += 1;
    return blockCodec ? route.abort() : route.continue();
  });
  await page.goto(runUrl, { waitUntil: 'load' });
  const text = await pageText(page, ready);
  return { page, text, codecCalls };
}

test('the run page shows the decoded task and activity summaries through the codec server', async () => {
  const { page, text, codecCalls } = await open(false, (t) => t.includes('ORD-1001 arrived broken') && t.includes('tool lookup_order'));
  await page.screenshot({ path: path.join(os.tmpdir(), 'web-ui-codec-decoded.png'), fullPage: true });
  expect(codecCalls).toBeGreaterThan(0);
  expect(text).toContain('ORD-1001 arrived broken');
  expect(text).toContain('tool lookup_order');
  await page.close();
}, 120_000);

test('without the codec server the same page shows no plaintext', async () => {
  const { page, text, codecCalls } = await open(true, (t) => t.includes('Codec Server could not connect') && t.includes('encryption-key-id'));
  await page.screenshot({ path: path.join(os.tmpdir(), 'web-ui-codec-blocked.png'), fullPage: true });
  expect(codecCalls).toBeGreaterThan(0);
  expect(text).toContain(runUrl.split('/').pop()); // the page did render, with the run's id
  expect(text).toContain('Codec Server could not connect');
  expect(text).toContain('encryption-key-id'); // the input as stored: sealed
  expect(text).not.toContain('ORD-1001');
  expect(text).not.toContain('lookup_order');
  await page.close();
}, 120_000);
