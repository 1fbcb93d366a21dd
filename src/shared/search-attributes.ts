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

export const ALL_SEARCH_ATTRIBUTES = [AgentNameKey, TenantIdKey, AgentStatusKey, CostUsdKey];
