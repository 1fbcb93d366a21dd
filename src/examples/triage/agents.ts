/**
 * Agents of the customer-service triage flow (examples/flows/triage.json): a router that
 * classifies the message, a knowledge agent that answers from the help centre with a
 * confidence, and a quality reviewer that checks and finishes the reply. Refunds go to
 * the support agent. Each has a local playbook, so the flow runs without a key.
 */
import { z } from 'zod';
import { defineAgent } from '../../agents/define-agent';
import { LOCAL_ANSWER_PREFIX, type Playbook } from '../../models/local';
import { defineTool } from '../../tools/define-tool';
import { searchArticles, type SearchHit } from './knowledge-base';

const ORDER_ID = /\b[A-Z]{2,5}-\d{3,10}\b/;
const WANTS_REFUND = /\b(refund|broken|damaged|defective|money back)\b/i;

export const searchKnowledgeBase = defineTool({
  name: 'search_knowledge_base',
  description: 'Search the help-centre articles; returns the best matches with the keywords they matched.',
  input: z.object({ query: z.string().min(2).max(500).describe('The customer question, or keywords from it') }),
  effect: 'read',
  timeout: '5s',
  async execute({ query }) {
    return { hits: searchArticles(query) };
  },
});

const routerPlaybook: Playbook = ({ task }) => {
  const refund = WANTS_REFUND.test(task) && ORDER_ID.test(task);
  const answer = refund
    ? { category: 'refund', confidence: 0.9, reason: `asks for a refund of ${ORDER_ID.exec(task)![0]}` }
    : { category: 'question', confidence: 0.8, reason: 'a question for the help centre' };
  return { answer: JSON.stringify(answer) };
};

export const triageRouter = defineAgent({
  name: 'triage-router',
  description: 'Classifies a customer message: refund (with an order id) or question.',
  instructions: 'Classify the customer message. Reply with JSON only: {"category": "refund" | "question", "confidence": 0..1, "reason": "…"}. It is a refund only when the customer wants money back for an order and gives its id.',
  tools: [],
  model: 'local:triage-router',
  maxSteps: 2,
  localPlaybook: routerPlaybook,
});

const knowledgePlaybook: Playbook = ({ task, toolResults }) => {
  const last = toolResults[toolResults.length - 1];
  if (!last) return { toolCalls: [{ name: 'search_knowledge_base', arguments: { query: task } }] };
  const hits = last.isError ? [] : ((JSON.parse(last.content) as { hits: SearchHit[] }).hits ?? []);
  const best = hits[0];
  const answer = best
    ? { answer: best.body, source: best.id, confidence: best.matched.length >= 2 ? 0.85 : 0.65 }
    : { answer: 'I could not find this in the help centre.', source: null, confidence: 0.2 };
  return { answer: JSON.stringify(answer) };
};

export const knowledgeAgent = defineAgent({
  name: 'knowledge',
  description: 'Answers customer questions from the help-centre articles, with a confidence.',
  instructions: 'Answer the customer question using search_knowledge_base only. Reply with JSON: {"answer": "…", "source": "<article id>" | null, "confidence": 0..1}. Be honest about low confidence when no article fits.',
  tools: [searchKnowledgeBase],
  model: 'local:knowledge',
  maxSteps: 4,
  localPlaybook: knowledgePlaybook,
});

const DRAFT_LABEL = 'Draft reply:';

/** The draft: everything after its label (the flow puts it last), without local-model prefixes. */
function draftOf(task: string): string {
  const i = task.indexOf(DRAFT_LABEL);
  return i < 0 ? '' : task.slice(i + DRAFT_LABEL.length).split(LOCAL_ANSWER_PREFIX).join('').trim();
}

const reviewPlaybook: Playbook = ({ task }) => {
  const draft = draftOf(task);
  const review = draft
    ? { approved: true, notes: 'Polite, answers the question, no internal details.', final: `Hello,\n\n${draft}\n\nBest regards,\nCustomer Care` }
    : { approved: false, notes: 'No draft reached review: sending a holding reply.', final: 'Hello,\n\nThank you for your message. A specialist will get back to you within one business day.\n\nBest regards,\nCustomer Care' };
  return { answer: JSON.stringify(review) };
};

export const qualityReviewAgent = defineAgent({
  name: 'quality-review',
  description: 'Checks a draft reply to a customer and returns the final text.',
  instructions: 'You review replies to customers before they are sent. Input: the customer message and a draft reply. Reply with JSON: {"approved": true|false, "notes": "…", "final": "<the reply to send>"}. Fix tone and remove internal details.',
  tools: [],
  model: 'local:quality-review',
  maxSteps: 2,
  localPlaybook: reviewPlaybook,
});

export const triageAgents = [triageRouter, knowledgeAgent, qualityReviewAgent];
