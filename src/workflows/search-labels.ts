/**
 * A workflow's search attributes, kept in step with its state so the Web UI's columns and
 * filters show it: names, ids, statuses and cost. Search attributes are never encrypted,
 * so nothing a user wrote goes here. Each upsert is an event in history, so only values
 * that changed are upserted.
 */
import type { SearchAttributePair, SearchAttributeUpdatePair } from '@temporalio/common';
import * as wf from '@temporalio/workflow';
import { BatchIdKey, FlowNameKey } from '../shared/search-attributes';

/**
 * Runs started before this patch upserted fewer search attributes (agent runs: cost only
 * at a finish; flows and batches: none); replaying them must issue the commands they recorded.
 */
export const WEB_UI_LABELS_PATCH = 'web-ui-labels';

export class SearchLabels {
  private readonly shown = new Map<string, unknown>();

  /** `current`: the run started with {@link WEB_UI_LABELS_PATCH}, so it keeps every label current. */
  constructor(readonly current: boolean) {
    // Continue-as-new carries the attributes over: values already there need no upsert.
    for (const pair of wf.workflowInfo().typedSearchAttributes.getAll()) this.shown.set(pair.key.name, pair.value);
  }

  /** Upserts what changed, in runs that keep their labels current; nothing in older runs. */
  update(pairs: SearchAttributeUpdatePair[]): void {
    if (this.current) this.upsert(pairs.filter((p) => this.shown.get(p.key.name) !== p.value));
  }

  /** Upserts `pairs` in every run: the labels runs set before {@link WEB_UI_LABELS_PATCH} too. */
  always(pairs: SearchAttributeUpdatePair[]): void {
    this.upsert(pairs);
  }

  private upsert(pairs: SearchAttributeUpdatePair[]): void {
    if (!pairs.length) return;
    for (const p of pairs) this.shown.set(p.key.name, p.value);
    wf.upsertSearchAttributes(pairs);
  }
}

/**
 * The labels a child run starts with: the flow and the batch this run belongs to (a
 * handoff or a flow node is part of the same work), `own` replacing either.
 */
export function childLabels(own: SearchAttributePair[] = []): SearchAttributePair[] {
  const mine = wf.workflowInfo().typedSearchAttributes;
  const inherited = [FlowNameKey, BatchIdKey]
    .filter((key) => !own.some((p) => p.key.name === key.name))
    .flatMap((key) => {
      const value = mine.get(key);
      return value === undefined ? [] : [{ key, value }];
    });
  return [...inherited, ...own];
}
