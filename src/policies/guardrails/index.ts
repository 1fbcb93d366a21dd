/**
 * Guardrails: plain functions over text and tool calls, no Temporal imports. Activities
 * call {@link runGuardrails} before and after a model step and {@link checkToolCall}
 * before running a tool.
 */
export type { CheckResult, Direction, Finding, GuardAction, GuardContext, GuardMode, Guardrail, JsonSchemaObject } from './types';
export { actionFor, mostSevere } from './types';
export type { ArgumentRule, GuardrailConfig, GuardrailConfigInput, ToolAccessConfig } from './config';
export {
  ArgumentRuleSchema,
  DEFAULT_GUARDRAIL_CONFIG,
  GuardrailConfigError,
  GuardrailConfigSchema,
  parseGuardrailConfig,
  resolveGuardrailConfig,
} from './config';
export type { GuardrailDecision, GuardrailRun, GuardrailStage } from './pipeline';
export { compileGuardrails, createSizeGuardrail, redact, runGuardrails } from './pipeline';
export type { InjectionOptions, InjectionScan } from './injection';
export { createInjectionGuardrail, scanInjection } from './injection';
export type { PiiGuardrailOptions, PiiType, SecretType } from './pii';
export { createPiiGuardrail, createSecretsGuardrail, detectPii, detectSecretSpans, PII_TYPES, SECRET_TYPES } from './pii';
export { createToxicityGuardrail, DEFAULT_TOXIC_TERMS } from './toxicity';
export type { ToxicityOptions } from './toxicity';
export { createPolicyTermsGuardrail, createPromptLeakGuardrail, createSchemaGuardrail, validateStructuredOutput } from './output';
export type { PolicyTermsOptions, PromptLeakGuardrailOptions } from './output';
export { findPromptLeaks } from './prompt-leak';
export type { PromptLeakOptions } from './prompt-leak';
export { checkToolCall } from './tool-access';
export { guardInput, guardOutput, GuardrailBlockedError, guardToolResult } from './checkpoints';
export type { GuardSubject } from './checkpoints';
export type { ToolAccessContext, ToolCallRequest } from './tool-access';
export { cnIdCheckChar, cnIdValid, ibanValid, luhnValid, ssnValid } from './checksums';
export { guardJsonl } from './guard-jsonl';
export type { GuardJsonlCounts } from './guard-jsonl';
