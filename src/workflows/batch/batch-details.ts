/**
 * What a batch's Web UI page says about it now (its current details): status, counts and
 * cost, what each item runs, and the commands that follow or cancel it. Rendered from the
 * `progress` view, so the page and the query never disagree.
 */
import type { BatchProgress, BatchTarget } from '../../shared/batch-types';
import { code, usd } from '../details-markdown';

const ENDED: ReadonlySet<BatchProgress['status']> = new Set(['completed', 'cancelled', 'failed']);

export function batchDetails(p: BatchProgress, target: BatchTarget, tenantId: string): string {
  const of = p.total !== undefined ? ` of ${p.total}` : '';
  const runs = target.kind === 'agent' ? `agent ${code(target.agent)}` : `flow ${code(target.spec.name)}`;
  const lines = [
    `**${p.status}** · ${p.started}${of} started · ${p.succeeded} succeeded · ${p.failed} failed · ${p.cancelled} cancelled · ${p.inFlight} in flight · ${usd(p.costUsd)}`,
    '',
    `Each item runs ${runs} for tenant ${code(tenantId)}; item runs carry ${code(`BatchId = "${p.batchId}"`)}.`,
    '',
    `- progress: ${code(`npx durable-agents batch status ${p.batchId}`)}`,
  ];
  if (!ENDED.has(p.status)) lines.push(`- cancel: ${code(`npx durable-agents batch cancel ${p.batchId}`)}`);
  return lines.join('\n');
}
