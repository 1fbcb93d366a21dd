/**
 * Section "encryption": what sealing every payload adds to an agent step (two workers
 * alike but for the codec, in alternating rounds; see paired-steps.ts), and how fast the
 * codec server decodes what the Web UI asks for: requests of 20 payloads of ~2 KB (a
 * history page's inputs and results) over HTTP on loopback, one client at a time.
 */
import { performance } from 'node:perf_hooks';
import type { Payload } from '@temporalio/common';
import { serviceApp } from '../src/service/app';
import { listen } from '../src/service/listen';
import { EncryptionCodec } from '../src/encryption/encryption-codec';
import { generateKeyring } from '../src/encryption/keyring';
import { startBenchEnv, type BenchEnv, type BenchEnvOptions } from './env';
import { pairedSteps, type PairedStepsOptions, type PairedStepsResult } from './paired-steps';
import type { Row } from './report';
import { median, medianQuantiles, quantiles, type Quantiles } from './stats';

/** Target from the issue: encryption may add at most this much to a step (p50). */
export const ENCRYPTION_OVERHEAD_TARGET_MS = 1;

export interface EncryptionBenchOptions {
  steps: PairedStepsOptions;
  /** Decode requests per repetition, and repetitions. */
  requests: number;
  repetitions: number;
}

export interface EncryptionBenchResult extends PairedStepsResult {
  codec_server: { payloads_per_request: number; payload_bytes: number; request_ms: Quantiles; payloads_per_s: number };
}

const PAYLOADS_PER_REQUEST = 20;
const TOKEN = 'bench-codec-token-0123456789';

/** `on` runs with encryption (every bench environment does); the "off" one is started alike and stopped here. */
export async function encryptionOverhead(on: BenchEnv, onOptions: BenchEnvOptions, o: EncryptionBenchOptions): Promise<EncryptionBenchResult> {
  const off = await startBenchEnv({ ...onOptions, encryption: false });
  let paired: PairedStepsResult;
  try {
    paired = await pairedSteps({ on, off }, o.steps);
  } finally {
    await off.shutdown();
  }
  return { ...paired, codec_server: await codecServerThroughput(o) };
}

async function codecServerThroughput(o: EncryptionBenchOptions): Promise<EncryptionBenchResult['codec_server']> {
  const keyring = generateKeyring('bench');
  const codec = new EncryptionCodec(keyring, 'default');
  const server = await listen(serviceApp({ codec: { codecFor: () => codec, uiOrigins: [], tokens: [TOKEN] } }), 0);
  try {
    const text = JSON.stringify({ role: 'tool', content: 'x'.repeat(2000) });
    const plain: Payload = { metadata: { encoding: Buffer.from('json/plain') }, data: Buffer.from(text) };
    const sealed = await codec.encode(Array.from({ length: PAYLOADS_PER_REQUEST }, () => plain));
    const body = JSON.stringify({
      payloads: sealed.map((p) => ({ metadata: Object.fromEntries(Object.entries(p.metadata!).map(([k, v]) => [k, Buffer.from(v).toString('base64')])), data: Buffer.from(p.data!).toString('base64') })),
    });
    const reps: Array<{ q: Quantiles; perS: number }> = [];
    for (let r = 0; r < o.repetitions; r++) {
      const times: number[] = [];
      const started = performance.now();
      for (let i = 0; i < o.requests; i++) {
        const t0 = performance.now();
        const res = await fetch(`${server.url}/codec/decode`, { method: 'POST', headers: { Authorization: `Bearer ${TOKEN}`, 'X-Namespace': 'default', 'Content-Type': 'application/json' }, body });
        if (res.status !== 200) throw new Error(`codec server answered ${res.status}`);
        await res.arrayBuffer();
        times.push(performance.now() - t0);
      }
      reps.push({ q: quantiles(times), perS: (o.requests * PAYLOADS_PER_REQUEST) / ((performance.now() - started) / 1000) });
    }
    return { payloads_per_request: PAYLOADS_PER_REQUEST, payload_bytes: text.length, request_ms: medianQuantiles(reps.map((r) => r.q)), payloads_per_s: median(reps.map((r) => r.perS)) };
  } finally {
    await server.close();
  }
}

export function encryptionRows(r: EncryptionBenchResult): Row[] {
  const section = 'encryption on vs off';
  return [
    { section, metric: 'step_wall_ms, encryption on', ...r.step_wall_on_ms, unit: 'ms' },
    { section, metric: 'step_wall_ms, encryption off', ...r.step_wall_off_ms, unit: 'ms' },
    { section, metric: 'encryption adds (durable step)', value: r.added_p50_ms, unit: 'ms p50', target: `≤ ${ENCRYPTION_OVERHEAD_TARGET_MS}` },
    { section, metric: `codec server decode (${r.codec_server.payloads_per_request} x ${r.codec_server.payload_bytes} B)`, ...r.codec_server.request_ms, unit: 'ms/request' },
    { section, metric: 'codec server decode throughput', value: r.codec_server.payloads_per_s, unit: 'payloads/s' },
  ];
}
