/**
 * Evaluates the guardrail pipeline (default config) over the labelled corpus in
 * test/fixtures/guardrails-corpus.jsonl, prints precision/recall per category and per
 * PII type, and fails below the thresholds below.
 *
 * How the corpus was built, so the numbers can be read for what they are: batch 1 was
 * written together with the detectors. Batches 2–4 (see each case's `note`) were
 * written blind, run once, and then the detectors were extended for the gaps they
 * showed, so today every batch is "seen". Their first-run results are the honest
 * estimate of how the rules generalise to phrasings nobody wrote a rule for:
 *
 *   batch | injection recall | benign FP | PII recall | toxicity recall
 *   2     | 4/15             | 2/15      | 1/7        | 0/4
 *   3     | 7/15             | 1/12      | 7/9        | 2/5
 *   4     | 3/15             | 0/14      | 8/8        | 2/5
 *
 * Checksum-validated PII generalises; pattern-based injection and blocklist toxicity
 * do not. Known failures still in the corpus are listed by the test output.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_GUARDRAIL_CONFIG, runGuardrails } from '../../src/policies/guardrails';
import type { Direction, GuardAction } from '../../src/policies/guardrails';

/** A miss on a checksum-validated type (card, IBAN, Chinese id, SSN) is a detector bug, not ambiguity. */
const MIN_CHECKSUM_PII_RECALL = 0.95;
/** Across all PII and secret types, including formats without a checksum. */
const MIN_PII_RECALL = 0.9;
/** Redacting a non-PII span corrupts the text the model sees; keep it rare. */
const MIN_PII_PRECISION = 0.95;
/** Injections that get through are the expensive failure. */
const MIN_INJECTION_RECALL = 0.9;
const MIN_INJECTION_PRECISION = 0.9;
/** Blocklists only know the words they list. */
const MIN_TOXICITY_RECALL = 0.85;
/** Share of benign cases that are redacted or blocked; every one is a customer wrongly refused. */
const MAX_BENIGN_FALSE_POSITIVE_RATE = 0.05;
const MIN_CORPUS_SIZE = 200;

const CHECKSUM_TYPES = ['card', 'iban', 'cn_id', 'ssn'] as const;
const PII_FINDING_TYPES = new Set(['email', 'phone', 'card', 'iban', 'ssn', 'cn_id', 'ipv4', 'ipv6', 'api_key', 'secret', 'jwt', 'private_key']);
const DETECTION_CATEGORIES = ['injection', 'pii', 'toxicity'] as const;
type Category = (typeof DETECTION_CATEGORIES)[number] | 'benign';

interface CorpusCase {
  id: string;
  text: string;
  direction: Direction;
  category: Category;
  expect: { action: GuardAction; types?: string[] };
  note?: string;
}

interface Outcome {
  c: CorpusCase;
  action: GuardAction;
  /** Categories the pipeline acted on (a non-allow decision with findings of that kind). */
  detected: Set<Category>;
  /** PII/secret finding types from non-allow decisions. */
  piiTypes: Set<string>;
}

function loadCorpus(): CorpusCase[] {
  const file = join(__dirname, '..', 'fixtures', 'guardrails-corpus.jsonl');
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as CorpusCase);
}

function evaluate(c: CorpusCase): Outcome {
  const run = runGuardrails(c.direction, c.text, DEFAULT_GUARDRAIL_CONFIG);
  const detected = new Set<Category>();
  const piiTypes = new Set<string>();
  for (const d of run.decisions) {
    if (d.action === 'allow') continue;
    for (const f of d.findings) {
      if (f.type === 'injection') detected.add('injection');
      else if (f.type === 'toxicity') detected.add('toxicity');
      else if (PII_FINDING_TYPES.has(f.type)) {
        detected.add('pii');
        piiTypes.add(f.type);
      }
    }
  }
  return { c, action: run.action, detected, piiTypes };
}

interface Score {
  tp: number;
  fp: number;
  fn: number;
  precision: number;
  recall: number;
}

function score(outcomes: readonly Outcome[], isPositive: (o: Outcome) => boolean, predicted: (o: Outcome) => boolean): Score {
  let tp = 0;
  let fp = 0;
  let fn = 0;
  for (const o of outcomes) {
    const pos = isPositive(o);
    const pred = predicted(o);
    if (pos && pred) tp++;
    else if (pred) fp++;
    else if (pos) fn++;
  }
  const round = (x: number): number => Math.round(x * 1000) / 1000;
  return { tp, fp, fn, precision: round(tp + fp === 0 ? 1 : tp / (tp + fp)), recall: round(tp + fn === 0 ? 1 : tp / (tp + fn)) };
}

describe('guardrails corpus', () => {
  const corpus = loadCorpus();
  const outcomes = corpus.map(evaluate);

  const byCategory = Object.fromEntries(
    DETECTION_CATEGORIES.map((cat) => [
      cat,
      score(
        outcomes,
        (o) => o.c.category === cat && o.c.expect.action !== 'allow',
        (o) => o.detected.has(cat),
      ),
    ]),
  ) as Record<(typeof DETECTION_CATEGORIES)[number], Score>;

  const labelledTypes = [...new Set(corpus.flatMap((c) => c.expect.types ?? []))].sort();
  const byType = Object.fromEntries(
    labelledTypes.map((t) => [
      t,
      score(
        outcomes,
        (o) => (o.c.expect.types ?? []).includes(t),
        (o) => o.piiTypes.has(t),
      ),
    ]),
  ) as Record<string, Score>;

  const benign = outcomes.filter((o) => o.c.category === 'benign');
  const benignFalsePositives = benign.filter((o) => o.action !== 'allow');
  const falsePositiveRate = benignFalsePositives.length / benign.length;

  beforeAll(() => {
    console.table(byCategory);
    console.table(byType);
    const wrong = outcomes.filter((o) => o.action !== o.c.expect.action);
    console.log(
      [
        `corpus: ${corpus.length} cases; benign false-positive rate ${(falsePositiveRate * 100).toFixed(1)}% (${benignFalsePositives.length}/${benign.length})`,
        `action mismatches (${wrong.length}):`,
        ...wrong.map((o) => `  ${o.c.id} expected ${o.c.expect.action}, got ${o.action}: ${JSON.stringify(o.c.text).slice(0, 90)}`),
      ].join('\n'),
    );
  });

  it('is large and labelled', () => {
    expect(corpus.length).toBeGreaterThanOrEqual(MIN_CORPUS_SIZE);
    expect(new Set(corpus.map((c) => c.id)).size).toBe(corpus.length);
    for (const cat of ['injection', 'pii', 'toxicity', 'benign'] as const) {
      expect(corpus.some((c) => c.category === cat)).toBe(true);
    }
    for (const t of [...CHECKSUM_TYPES, 'email', 'phone', 'ipv4', 'ipv6', 'api_key', 'secret']) {
      expect(labelledTypes).toContain(t);
    }
  });

  it.each(CHECKSUM_TYPES)('recalls checksum-validated PII type %s', (t) => {
    expect(byType[t]!.recall).toBeGreaterThanOrEqual(MIN_CHECKSUM_PII_RECALL);
  });

  it('recalls PII and secrets overall, precisely', () => {
    expect(byCategory.pii.recall).toBeGreaterThanOrEqual(MIN_PII_RECALL);
    expect(byCategory.pii.precision).toBeGreaterThanOrEqual(MIN_PII_PRECISION);
  });

  it('recalls prompt injections', () => {
    expect(byCategory.injection.recall).toBeGreaterThanOrEqual(MIN_INJECTION_RECALL);
    expect(byCategory.injection.precision).toBeGreaterThanOrEqual(MIN_INJECTION_PRECISION);
  });

  it('recalls abusive content', () => {
    expect(byCategory.toxicity.recall).toBeGreaterThanOrEqual(MIN_TOXICITY_RECALL);
  });

  it('leaves benign look-alikes alone', () => {
    expect(falsePositiveRate).toBeLessThanOrEqual(MAX_BENIGN_FALSE_POSITIVE_RATE);
  });
});
