/**
 * The codec server as the Web UI and the `temporal` CLI call it: only with its token, only
 * from the Web UI's origin in a browser, and bound to the namespace it is asked for.
 */
import type { Payload } from '@temporalio/common';
import { defaultPayloadConverter } from '@temporalio/common';
import { serviceApp } from '../../src/service/app';
import { listen, type Listening } from '../../src/service/listen';
import { EncryptionCodec } from '../../src/encryption/encryption-codec';
import { testKeyring } from '../support/data-converter';
import { startHarness, testEnv, type Harness } from '../support/harness';
import { temporalCli, withBase64Decoded } from '../support/raw-history';
import { testAgent } from '../fixtures/test-agents';
import { scriptedByTask } from '../support/scripted-by-task';

const TOKEN = 'codec-token-for-tests-0123456789';
const UI = 'http://localhost:18233';
let server: Listening;
const codecs = new Map<string, EncryptionCodec>();

beforeAll(async () => {
  const keyring = testKeyring();
  const codecFor = (ns: string) => codecs.get(ns) ?? codecs.set(ns, new EncryptionCodec(keyring, ns)).get(ns)!;
  server = await listen(serviceApp({ codec: { codecFor, uiOrigins: [UI], tokens: [TOKEN] } }), 0);
});
afterAll(() => server?.close());

const json = (p: Payload) => ({
  metadata: Object.fromEntries(Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v).toString('base64')])),
  data: Buffer.from(p.data ?? new Uint8Array()).toString('base64'),
});
const value = (p: { metadata: Record<string, string>; data: string }): unknown =>
  defaultPayloadConverter.fromPayload({ metadata: Object.fromEntries(Object.entries(p.metadata).map(([k, v]) => [k, Buffer.from(v, 'base64')])), data: Buffer.from(p.data, 'base64') });
const encoding = (p: { metadata: Record<string, string> }) => Buffer.from(p.metadata.encoding!, 'base64').toString();

async function sealed(text: string, namespace = 'default'): Promise<ReturnType<typeof json>> {
  const codec = new EncryptionCodec(testKeyring(), namespace);
  return json((await codec.encode([defaultPayloadConverter.toPayload(text)]))[0]!);
}

async function post(path: string, body: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(`${server.url}${path}`, { method: 'POST', headers: { 'Content-Type': 'application/json', ...headers }, body: JSON.stringify(body) });
  return { status: res.status, type: res.headers.get('content-type'), body: (await res.json()) as { payloads: Array<{ metadata: Record<string, string>; data: string }>; detail?: string } };
}

test('decodes for a caller with the token: in the header, or in the path for a Web UI that cannot send one', async () => {
  const body = { payloads: [await sealed('the customer dana@example.com')] };
  for (const [path, headers] of [
    ['/codec/decode', { Authorization: `Bearer ${TOKEN}`, 'X-Namespace': 'default' }],
    [`/codec/t/${TOKEN}/decode`, { 'X-Namespace': 'default' }],
    ['/codec/default/decode', { Authorization: `Bearer ${TOKEN}` }],
  ] as const) {
    const r = await post(path, body, headers);
    expect([path, r.status, value(r.body.payloads[0]!)]).toEqual([path, 200, 'the customer dana@example.com']);
  }
});

test('refuses a request without the token or with another one, and says nothing of the payloads', async () => {
  const body = { payloads: [await sealed('secret')] };
  for (const [path, headers] of [
    ['/codec/decode', { 'X-Namespace': 'default' }],
    ['/codec/decode', { Authorization: 'Bearer not-the-token', 'X-Namespace': 'default' }],
    ['/codec/t/not-the-token/decode', { 'X-Namespace': 'default' }],
    ['/codec/encode', { 'X-Namespace': 'default' }],
  ] as const) {
    const r = await post(path, body, headers);
    expect([path, r.status, r.type]).toEqual([path, 401, 'application/problem+json']);
    expect(JSON.stringify(r.body)).not.toContain('secret');
  }
});

test('a payload sealed for one namespace does not open in another', async () => {
  const r = await post('/codec/other-namespace/decode', { payloads: [await sealed('secret', 'default')] }, { Authorization: `Bearer ${TOKEN}` });
  expect(r.status).toBe(200);
  expect(encoding(r.body.payloads[0]!)).toBe('binary/undecryptable');
  expect(JSON.stringify(r.body)).not.toContain(Buffer.from('secret').toString('base64'));
});

test('encode then decode gives the payload back; a malformed body gets one problem naming the field', async () => {
  const plain = json(defaultPayloadConverter.toPayload({ a: 1 }));
  const enc = await post('/codec/encode', { payloads: [plain] }, { Authorization: `Bearer ${TOKEN}`, 'X-Namespace': 'default' });
  expect(encoding(enc.body.payloads[0]!)).toBe('binary/encrypted');
  const dec = await post('/codec/decode', enc.body, { Authorization: `Bearer ${TOKEN}`, 'X-Namespace': 'default' });
  expect(value(dec.body.payloads[0]!)).toEqual({ a: 1 });

  const bad = await post('/codec/decode', { payloads: [{ data: 'not base64!' }] }, { Authorization: `Bearer ${TOKEN}`, 'X-Namespace': 'default' });
  expect([bad.status, bad.type, bad.body.detail]).toEqual([400, 'application/problem+json', expect.stringContaining('payloads.0.data must be base64')]);
  const noNamespace = await post('/codec/decode', { payloads: [] }, { Authorization: `Bearer ${TOKEN}` });
  expect([noNamespace.status, noNamespace.body.detail]).toEqual([400, expect.stringContaining('namespace')]);
});

test("a browser preflight succeeds only from the Web UI's origin", async () => {
  const preflight = (origin: string) =>
    fetch(`${server.url}/codec/decode`, { method: 'OPTIONS', headers: { Origin: origin, 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'content-type,x-namespace' } });
  const ok = await preflight(UI);
  expect(ok.headers.get('access-control-allow-origin')).toBe(UI);
  expect(ok.headers.get('access-control-allow-headers')?.toLowerCase()).toContain('x-namespace');
  const evil = await preflight('http://evil.example');
  expect(evil.headers.get('access-control-allow-origin')).toBeNull();
  // The request itself from another origin: decoded or not, the browser gets no CORS header to read it with.
  const r = await fetch(`${server.url}/codec/decode`, { method: 'POST', headers: { Origin: 'http://evil.example', Authorization: `Bearer ${TOKEN}`, 'X-Namespace': 'default', 'Content-Type': 'application/json' }, body: JSON.stringify({ payloads: [] }) });
  expect(r.headers.get('access-control-allow-origin')).toBeNull();
});

describe('the temporal CLI', () => {
  let h: Harness;
  const { model, scripts } = scriptedByTask();
  beforeAll(async () => {
    h = await startHarness({ agents: [testAgent('cli-reader', 'scripted:test')], providers: [model] });
  });
  afterAll(() => h?.shutdown());

  test('shows ciphertext without the codec server and the task through it (--codec-endpoint)', async () => {
    scripts.set('a task only the codec can show', [{ content: 'an answer only the codec can show' }]);
    const { id } = await h.agents.start('cli-reader', 'a task only the codec can show');
    await h.agents.result(id);
    const show = (extra: string[]) => temporalCli(['workflow', 'show', '--address', testEnv().address, '--workflow-id', id, '--output', 'json', ...extra]);
    expect(withBase64Decoded(await show([]))).not.toContain('a task only the codec can show');
    // The CLI sends an empty X-Namespace header: the namespace goes in the endpoint's path.
    const decoded = withBase64Decoded(await show(['--codec-endpoint', `${server.url}/codec/default`, '--codec-auth', `Bearer ${TOKEN}`]));
    expect(decoded).toContain('a task only the codec can show');
    expect(decoded).toContain('an answer only the codec can show');
  });
});
