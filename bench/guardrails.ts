/**
 * Section "guardrails": what the default guardrails cost on a 1 KB text, the size of a
 * typical user turn or answer. Texts are benign prose, most carrying a few PII items,
 * checked in both directions a model step checks (input before the call, output after).
 * Pure CPU in this process: no environment needed.
 */
import { performance } from 'node:perf_hooks';
import { loadPolicyConfig } from '../src/policies';
import { runGuardrails, type GuardContext, type GuardrailConfig } from '../src/policies/guardrails';
import { TENANT } from './bare-loop';
import { BENCH_AGENT } from './bench-agent';
import type { Row } from './report';
import { median, medianQuantiles, quantiles, type Quantiles } from './stats';

export interface GuardrailBenchOptions {
  repetitions: number;
  /** Timed checks per repetition, spread evenly over texts and directions. */
  checksPerRepetition: number;
}

export const DEFAULT_GUARDRAIL_BENCH: GuardrailBenchOptions = { repetitions: 5, checksPerRepetition: 4000 };

/** A check of 1 KB must fit a model step's budget for guardrails: p50 at most 3 ms, on each direction. */
export const GUARDRAIL_TARGETS = { latencyP50Ms: 3 };

export interface GuardrailBenchResult {
  /** Checks per second of one thread running checks back to back (median over repetitions). */
  checks_per_s: number;
  /** Latency of one `runGuardrails` call, both directions together. */
  latency_ms: Quantiles;
  latency_by_direction_ms: { input: Quantiles; output: Quantiles };
  text_bytes: number;
  mix: { texts: number; texts_with_pii: number; pii_items: number };
  repetitions: Array<{ checks_per_s: number; latency_ms: Quantiles }>;
}

const TEXT_BYTES = 1024;
const DIRECTIONS = ['input', 'output'] as const;
type CheckedDirection = (typeof DIRECTIONS)[number];

const PROSE = [
  'Thanks for getting back to me so quickly about the delivery schedule for the spring catalogue.',
  'The warehouse team confirmed that the pallets left on time, but the carrier has not updated the tracking page since Tuesday.',
  'Could you check whether the replacement parts were bundled with the main shipment or are travelling separately?',
  'We would like to move the installation appointment to the following week, ideally in the morning.',
  'Our finance department asked for a copy of the signed agreement and a short summary of the payment terms.',
  'The new dashboard looks great, although the export button seems to produce an empty file for older reports.',
  'Please let the support team know that the printer on the third floor is working again after the firmware update.',
  'I have attached the meeting notes, and the action items are listed at the end with an owner next to each one.',
  'If the budget review slips again, we may need to postpone the training sessions until after the holidays.',
  'The customer was happy with the explanation and asked us to keep the same contact person for future questions.',
  'Let me know which of the two proposals you prefer so that I can prepare the slides for the steering committee.',
  'The hotel near the conference centre still has rooms available, and breakfast is included in the quoted rate.',
];

/** One PII item per sentence, of kinds the default detectors look for. */
const PII = [
  'You can reach me at jane.doe@example.com if anything changes.',
  'My mobile number is (415) 555-0132 during office hours.',
  'Please charge the card 4111 1111 1111 1111 for the remaining balance.',
  'The office VPN gateway is at 203.0.113.42 if you need to whitelist it.',
  'Refunds can go to the account DE89 3704 0044 0532 0130 00 as before.',
];

/** Text `i`: prose with `i % 4` PII sentences at every other position, cut to exactly 1 KB. */
function benchText(i: number): { text: string; pii: number } {
  const pii = i % 4;
  const parts: string[] = [];
  for (let k = 0; parts.join(' ').length < TEXT_BYTES; k++) {
    const withPii = k % 2 === 1 && (k - 1) / 2 < pii;
    parts.push(withPii ? PII[(i + (k - 1) / 2) % PII.length]! : PROSE[(i * 5 + k) % PROSE.length]!);
  }
  const text = parts.join(' ').slice(0, TEXT_BYTES);
  if (Buffer.byteLength(text) !== TEXT_BYTES) throw new Error(`guardrail bench text ${i} is not ${TEXT_BYTES} bytes`);
  return { text, pii };
}

/** The system prompt an output check compares against, as a support agent might have. */
const SYSTEM_PROMPT =
  'You are the customer support assistant of a logistics company. Answer politely and briefly, never promise delivery dates the tracking system does not show, and hand over to a person when the customer asks for one.';

function contextFor(direction: CheckedDirection): Omit<GuardContext, 'direction'> {
  const who = { agent: BENCH_AGENT, tenantId: TENANT };
  return direction === 'output' ? { ...who, systemPrompt: SYSTEM_PROMPT } : who;
}

/**
 * The timed path must be the realistic one: benign texts pass or get their PII redacted,
 * none is blocked. A detector change that breaks that fails the bench instead of
 * silently timing another path.
 */
function checkMix(texts: ReadonlyArray<{ text: string; pii: number }>, config: GuardrailConfig): void {
  for (const [i, t] of texts.entries()) {
    for (const direction of DIRECTIONS) {
      const run = runGuardrails(direction, t.text, config, contextFor(direction));
      const expected = t.pii > 0 ? 'redact' : 'allow';
      if (run.action !== expected) throw new Error(`guardrail bench text ${i} (${direction}): ${run.action}, expected ${expected} (${run.findings.map((f) => f.type).join(', ') || 'no findings'})`);
    }
  }
}

function repetition(texts: readonly string[], config: GuardrailConfig, checks: number) {
  const samples = { input: [] as number[], output: [] as number[] };
  const started = performance.now();
  for (let n = 0; n < checks; n++) {
    const direction = DIRECTIONS[n % DIRECTIONS.length]!;
    const text = texts[Math.floor(n / DIRECTIONS.length) % texts.length]!;
    const t0 = performance.now();
    runGuardrails(direction, text, config, contextFor(direction));
    samples[direction].push(performance.now() - t0);
  }
  const seconds = (performance.now() - started) / 1000;
  return { checks_per_s: checks / seconds, samples };
}

export function guardrailThroughput(o: GuardrailBenchOptions = DEFAULT_GUARDRAIL_BENCH): GuardrailBenchResult {
  // What a worker with no POLICY_CONFIG checks the bench agent's texts with.
  const config = loadPolicyConfig(undefined).guardrails.for(BENCH_AGENT, TENANT);
  const mix = Array.from({ length: 16 }, (_, i) => benchText(i));
  checkMix(mix, config);
  const texts = mix.map((t) => t.text);
  repetition(texts, config, Math.min(1000, o.checksPerRepetition)); // JIT warm-up, untimed
  const reps = Array.from({ length: o.repetitions }, () => repetition(texts, config, o.checksPerRepetition));
  const byDirection = (d: CheckedDirection): Quantiles => medianQuantiles(reps.map((r) => quantiles(r.samples[d])));
  const summaries = reps.map((r) => ({ checks_per_s: r.checks_per_s, latency_ms: quantiles([...r.samples.input, ...r.samples.output]) }));
  return {
    checks_per_s: median(summaries.map((r) => r.checks_per_s)),
    latency_ms: medianQuantiles(summaries.map((r) => r.latency_ms)),
    latency_by_direction_ms: { input: byDirection('input'), output: byDirection('output') },
    text_bytes: TEXT_BYTES,
    mix: { texts: mix.length, texts_with_pii: mix.filter((t) => t.pii > 0).length, pii_items: mix.reduce((n, t) => n + t.pii, 0) },
    repetitions: summaries,
  };
}

export function guardrailRows(r: GuardrailBenchResult): Row[] {
  const section = 'guardrails (1 KB, defaults)';
  return [
    { section, metric: 'latency per check', ...r.latency_ms, unit: 'ms', target: `p50 ≤ ${GUARDRAIL_TARGETS.latencyP50Ms} ms` },
    { section, metric: 'latency per check, input', ...r.latency_by_direction_ms.input, unit: 'ms', target: `p50 ≤ ${GUARDRAIL_TARGETS.latencyP50Ms} ms` },
    { section, metric: 'latency per check, output', ...r.latency_by_direction_ms.output, unit: 'ms', target: `p50 ≤ ${GUARDRAIL_TARGETS.latencyP50Ms} ms` },
    { section, metric: 'checks_per_s (one thread)', value: r.checks_per_s, unit: 'checks/s' },
  ];
}
