/**
 * Screenshots of the Temporal Web UI for the README, in a real browser: starts
 * `durable-agents dev` on free ports with a fresh data directory, runs the support agent
 * three ways (approved, waiting for approval, failed and compensated) and the triage flow,
 * then opens the workflow list and each run's page in Chromium and saves PNGs under
 * docs/screenshots/.
 *
 *   npm run screenshots        (CHROMIUM_PATH, default /usr/bin/chromium: Debian's `chromium`)
 */
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Page } from 'playwright-core';
import { AgentClient } from '../src/client/agent-client';
import { FlowClient } from '../src/client/flow-client';
import { ServiceClient } from '../src/client/service-client';
import { loadConfig } from '../src/infra/config';
import { freePort } from '../src/infra/postgres';

const ROOT = path.resolve(__dirname, '..');
const OUT = path.join(ROOT, 'docs', 'screenshots');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 120_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe().catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(300);
  }
}

async function shoot(page: Page, url: string, file: string, waitFor: string, tab?: string): Promise<void> {
  // A running workflow's page polls, so the network never goes idle: wait for what the picture is of.
  await page.goto(url, { waitUntil: 'load' });
  if (tab) await page.getByRole('tab', { name: tab }).or(page.getByText(tab, { exact: true })).first().click({ timeout: 30_000 });
  // Current details are rendered in a frame of their own: look in every frame.
  const seen = async () => (await Promise.all(page.frames().map((f) => f.content().catch(() => '')))).some((html) => html.includes(waitFor));
  await until(`"${waitFor}" on ${url}`, async () => ((await seen()) ? true : undefined), 30_000).catch(async (err: Error) => {
    await page.screenshot({ path: path.join(OUT, `failed-${file}`) });
    throw new Error(`${err.message} (see docs/screenshots/failed-${file})`);
  });
  await sleep(1000); // let the timeline finish drawing
  await page.screenshot({ path: path.join(OUT, file), fullPage: false });
  process.stdout.write(`saved docs/screenshots/${file}\n`);
}

async function main(): Promise<void> {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'screenshots-'));
  fs.chmodSync(work, 0o755); // the embedded Postgres runs as the user postgres when started as root
  const [port, uiPort, pgPort, servicePort] = [await freePort(), await freePort(), await freePort(), await freePort()];
  const env = { ...process.env, DURABLE_AGENTS_DATA_DIR: path.join(work, 'data'), TEMPORAL_PORT: String(port), TEMPORAL_UI_PORT: String(uiPort), EMBEDDED_POSTGRES_PORT: String(pgPort), DURABLE_AGENTS_PORT: String(servicePort), CI: 'true' };
  const dev = spawn(process.execPath, [path.join(ROOT, 'dist/src/cli/cli.js'), 'dev'], { env, stdio: ['ignore', 'pipe', 'inherit'] });
  let devOut = '';
  dev.stdout!.on('data', (d: Buffer) => (devOut += d.toString()));
  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: ['--no-sandbox'] });
  try {
    await until('dev to be ready', async () => (devOut.includes('Ready.') ? true : undefined), 300_000);
    const config = loadConfig(env);
    const agents = await AgentClient.connect(config);
    const flows = await FlowClient.connect(config);
    // An approver of the tenant, as a person would make one: keys create prints the key once.
    const created = spawnSync(process.execPath, [path.join(ROOT, 'dist/src/cli/cli.js'), 'keys', 'create', '--name', 'alice', '--tenant', 'acme', '--role', 'approver'], { env, encoding: 'utf8' });
    const key = /DURABLE_AGENTS_API_KEY=(\S+)/.exec(created.stdout)?.[1];
    if (!key) throw new Error(`keys create failed: ${created.stderr}`);
    const approver = new ServiceClient({ url: config.DURABLE_AGENTS_URL, credential: key });

    const approved = await agents.start('support', 'My espresso machine from order ORD-1001 arrived broken. Please refund it and let me know.', { tenantId: 'acme' });
    const pending = await until('the refund to wait for approval', async () => (await agents.state(approved.id)).pendingApprovals[0]);
    await approver.approve(approved.id, pending.callId, { argsHash: pending.argsHash });
    await agents.result(approved.id);
    const waiting = await agents.start('support', 'Order ORD-1001 arrived broken, please refund it.', { tenantId: 'acme' });
    const failed = await agents.start('support', 'Order ORD-1003 arrived broken, refund it', { tenantId: 'acme' });
    await agents.result(failed.id).catch(() => undefined);
    const flow = await flows.startFlow('triage', 'My coffee grinder from order ORD-1002 arrived broken, please refund it.', { tenantId: 'acme' });
    await flows.result(flow.id).catch(() => undefined);
    await until('the second run to wait for approval', async () => ((await agents.state(waiting.id)).pendingApprovals.length ? true : undefined)).catch(() => undefined);
    await sleep(2000); // visibility is eventually consistent

    fs.mkdirSync(OUT, { recursive: true });
    const page = await browser.newPage({ viewport: { width: 1440, height: 1000 } });
    const ui = `http://localhost:${uiPort}/namespaces/default`;
    await shoot(page, `${ui}/workflows`, 'workflow-list.png', 'agentRun');
    await shoot(page, `${ui}/workflows/${encodeURIComponent(waiting.id)}`, 'run-waiting-for-approval.png', 'Waiting for approval', 'User Metadata');
    await shoot(page, `${ui}/workflows/${encodeURIComponent(approved.id)}`, 'run-approved.png', 'approve');
    await shoot(page, `${ui}/workflows/${encodeURIComponent(failed.id)}`, 'run-failed-compensated.png', 'compensate');
    await shoot(page, `${ui}/workflows/${encodeURIComponent(flow.id)}`, 'flow-run.png', 'flowRun');
    await agents.cancel(waiting.id);
  } finally {
    await browser.close();
    dev.kill('SIGINT');
    await new Promise((r) => dev.once('exit', r));
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`screenshots: ${(err as Error).message}\n`);
  process.exit(1);
});
