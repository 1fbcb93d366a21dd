/**
 * Agents of the content-creation flow (examples/flows/content.json): a planner that
 * outlines an article, section writers run in parallel (one per section), a plain
 * fallback writer, and a reviewer that asks for revisions until the draft is ready.
 * Local playbooks make the flow run without a key; the section writer's source lookup
 * fails offline, which shows the fallback writer at work.
 */
import { ApplicationFailure } from '@temporalio/common';
import { z } from 'zod';
import { defineAgent } from '../../agents/define-agent';
import { LOCAL_ANSWER_PREFIX, type Playbook } from '../../models/local';
import { defineTool } from '../../tools/define-tool';

export const findSources = defineTool({
  name: 'find_sources',
  description: 'Find citable sources for a topic.',
  input: z.object({ topic: z.string().min(2).max(300).describe('What the sources should be about') }),
  effect: 'read',
  timeout: '5s',
  async execute() {
    // The example has no research service; a failure the writer cannot work around.
    throw ApplicationFailure.nonRetryable('the sources service is not reachable (offline example)', 'SourcesUnavailable');
  },
});

function topicOf(task: string): string {
  const m = /\b(?:about|on)\s+(.+?)[.?!]?$/i.exec(task.trim());
  return (m?.[1] ?? task).trim();
}

const plannerPlaybook: Playbook = ({ task }) => {
  const topic = topicOf(task);
  const plan = {
    title: `A short guide to ${topic}`,
    sections: [
      { title: 'Why it matters', brief: `the problem ${topic} solves and who has it` },
      { title: 'How it works', brief: `the core idea of ${topic}, step by step` },
      { title: 'Getting started', brief: `three practical first steps with ${topic}` },
      { title: 'Sources', brief: `cite sources on ${topic}` },
    ],
  };
  return { answer: JSON.stringify(plan) };
};

export const contentPlanner = defineAgent({
  name: 'content-planner',
  description: 'Outlines an article: a title and its sections, each with a brief.',
  instructions: 'Plan an article on the given topic. Reply with JSON only: {"title": "…", "sections": [{"title": "…", "brief": "…"}]}, 3 to 6 sections.',
  tools: [],
  model: 'local:content-planner',
  maxSteps: 2,
  localPlaybook: plannerPlaybook,
});

/** The quoted section title and the brief in a writer's task. */
function sectionOf(task: string): { title: string; brief: string } {
  return { title: /section "([^"]+)"/.exec(task)?.[1] ?? 'Section', brief: /Brief:\s*(.+)$/m.exec(task)?.[1]?.trim() ?? task };
}

const writerPlaybook: Playbook = ({ task, toolResults }) => {
  const { title, brief } = sectionOf(task);
  if (/\b(cite|sources?)\b/i.test(brief) && toolResults.length === 0) return { toolCalls: [{ name: 'find_sources', arguments: { topic: brief } }] };
  return { answer: `## ${title}\n\nThis section covers ${brief}. It explains the idea in plain words, gives one concrete example, and ends with what to try next.` };
};

export const sectionWriter = defineAgent({
  name: 'section-writer',
  description: 'Writes one section of an article from its brief, citing sources where asked.',
  instructions: 'Write the requested section in Markdown, starting with "## <title>". Use find_sources when the brief asks for sources.',
  tools: [findSources],
  model: 'local:section-writer',
  maxSteps: 4,
  localPlaybook: writerPlaybook,
});

const plainWriterPlaybook: Playbook = ({ task }) => {
  const { title, brief } = sectionOf(task);
  return { answer: `## ${title}\n\nA short, plain section on ${brief}, written without research.` };
};

export const plainWriter = defineAgent({
  name: 'plain-writer',
  description: 'Fallback writer: a short plain section without tools.',
  instructions: 'Write the requested section in Markdown, starting with "## <title>", briefly and without sources.',
  tools: [],
  model: 'local:plain-writer',
  maxSteps: 2,
  localPlaybook: plainWriterPlaybook,
});

const CONCLUSION = '## Conclusion';

const reviewerPlaybook: Playbook = ({ task }) => {
  const i = task.indexOf(':\n\n');
  const draft = (i < 0 ? task : task.slice(i + 3)).split(LOCAL_ANSWER_PREFIX).join('').trim();
  const review = draft.includes(CONCLUSION)
    ? { verdict: 'approve', notes: 'Complete and well structured.', draft }
    : { verdict: 'revise', notes: 'The draft stops abruptly: added a conclusion.', draft: `${draft}\n\n${CONCLUSION}\n\nStart small, measure, and grow from there.` };
  return { answer: JSON.stringify(review) };
};

export const contentReviewer = defineAgent({
  name: 'content-reviewer',
  description: 'Reviews an article draft: approves it or returns a revised draft with notes.',
  instructions: 'Review the draft after the colon. Reply with JSON only: {"verdict": "approve" | "revise", "notes": "…", "draft": "<the draft, revised if needed>"}.',
  tools: [],
  model: 'local:content-reviewer',
  maxSteps: 2,
  localPlaybook: reviewerPlaybook,
});

export const contentAgents = [contentPlanner, sectionWriter, plainWriter, contentReviewer];
