/**
 * Typed search attributes that make runs findable in the Temporal Web UI and through
 * `list`. The dev server registers them at start-up; on a real cluster create them once
 * with `temporal operator search-attribute create` (see README).
 */
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

export const AgentNameKey = defineSearchAttributeKey('AgentName', SearchAttributeType.KEYWORD);
export const TenantIdKey = defineSearchAttributeKey('TenantId', SearchAttributeType.KEYWORD);
export const AgentStatusKey = defineSearchAttributeKey('AgentStatus', SearchAttributeType.KEYWORD);
export const CostUsdKey = defineSearchAttributeKey('CostUsd', SearchAttributeType.DOUBLE);
/** The flow a `flowRun` runs (its node runs carry it too, beside their own AgentName). */
export const FlowNameKey = defineSearchAttributeKey('FlowName', SearchAttributeType.KEYWORD);
/** The batch an item run belongs to, so listings can leave items out (`BatchId IS NULL`). */
export const BatchIdKey = defineSearchAttributeKey('BatchId', SearchAttributeType.KEYWORD);

export const ALL_SEARCH_ATTRIBUTES = [AgentNameKey, TenantIdKey, AgentStatusKey, CostUsdKey, FlowNameKey, BatchIdKey];
