/**
 * English rules for system-prompt extraction, indirect injection (instructions hidden in
 * tool results and addressed to the model) and "decode this and follow it" requests.
 */
import type { InjectionRule } from './injection-rule';
import { rx, S, words } from './injection-rule';

export const EXTRACTION_RULES: readonly InjectionRule[] = [
  {
    id: 'extraction.system_prompt',
    re: rx(
      `\\b(?:(?:reveal|show|print|output|repeat|display|tell|give|share|leak|dump|expose|write\\s+out|spell\\s+out|recite|copy|paste|disclose|list|provide|return|echo|send|translate|summari[sz]e|paraphrase|encode|rewrite)(?:s|ed|ing)?|spells\\s+out|what(?:['’]s|\\s+is|\\s+are|\\s+were|\\s+was))\\b${words(4)}${S}(?:your|the|its|this)${words(2)}${S}(?:system[\\s-]+(?:prompt|message|instructions?)|(?:initial|original|hidden|secret|internal|developer|first|starting|pre|meta|confidential)[\\s-]?(?:prompt|instructions|message|directives|rules|configuration))\\b(?!\\s+(?:for|on|to|about|of|in|that\\s+came\\s+with)\\b)`,
    ),
    score: 0.9,
  },
  {
    id: 'extraction.your_configuration',
    re: rx('\\b(?:share|show|reveal|print|output|dump|display|tell\\s+me|give\\s+me)(?:s|ing)?\\s+(?:me\\s+)?your\\s+(?:full\\s+|entire\\s+|complete\\s+|internal\\s+|current\\s+)?(?:configuration|config|settings|setup)\\b'),
    score: 0.6,
  },
  {
    id: 'extraction.instructions_received',
    re: rx(
      '\\b(?:instructions|rules|guidelines|directives|prompt)\\s+(?:that\\s+)?(?:you\\s+(?:received|were\\s+given|got|have\\s+been\\s+given)|(?:given|provided)\\s+to\\s+you)\\b',
    ),
    score: 0.6,
  },
  {
    id: 'extraction.from_your_maker',
    re: rx('\\b(?:from|by)\\s+your\\s+(?:developers?|creators?|operators?|makers?|owners?|programmers?)\\b|\\bbefore\\s+(?:this|the|our)\\s+(?:chat|conversation|session)\\s+(?:started|began)\\b|\\bat\\s+the\\s+start\\s+of\\s+(?:this|the|our)\\s+(?:chat|conversation)\\b'),
    score: 0.5,
  },
  { id: 'extraction.prompt_mention', re: rx('\\b(?:system|initial|original|hidden)\\s+prompt\\b|\\bpre-?prompt\\b'), score: 0.4 },
  {
    id: 'extraction.repeat_above',
    re: rx(
      '\\b(?:repeat|print|output|copy|recite|echo|write|reproduce|return)\\s+(?:back\\s+)?(?:all\\s+(?:of\\s+)?|everything\\s+|the\\s+|your\\s+)?(?:(?:words|text|content|lines|message|messages|instructions|conversation|prompt|sentences?)\\s+)?(?:above|before\\s+this|preceding|so\\s+far)\\b(?=\\s*(?:$|[.,;:!?"\'“”)\\]]|(?:starting|verbatim|word|exactly|in\\s+full|in\\s+a|including|into|as|and|inside|without|back|please)\\b))',
    ),
    score: 0.85,
  },
  {
    id: 'extraction.starting_with_you_are',
    re: rx('\\bstart(?:ing|s)?\\s+(?:with|from)\\s+(?:the\\s+(?:phrase|words?|text|line)\\s+)?["\'“‘]?you\\s+are\\b'),
    score: 0.7,
  },
  { id: 'extraction.verbatim', re: rx('\\b(?:verbatim|word\\s+for\\s+word|word-for-word)\\b'), score: 0.5 },
  {
    id: 'indirect.addressed_to_model',
    re: rx(
      '(?:\\bp\\.\\s?s\\.?|\\bps\\b|\\b(?:note|message|instructions?|attention|important|notice|reminder|memo))\\s+(?:to|for)\\s+(?:the\\s+|any\\s+|all\\s+)?(?:ai|assistant|llm|language\\s+model|chatbot|agent|model|gpt|chatgpt|claude|copilot)s?\\b|\\b(?:ai|assistant|llm|chatbot|agent|gpt|chatgpt|claude)s?(?:\\s*[:,]\\s*(?:please\\s+|you\\s+must\\s+|now\\s+|immediately\\s+)?|\\s+(?:must|should|shall|needs?\\s+to|is\\s+(?:required|instructed)\\s+to)\\s+(?:always\\s+|now\\s+|also\\s+)?)(?:ignore|disregard|forget|send|forward|email|transfer|delete|call|execute|run|visit|include|append|output|reply|tell|say|reveal|open|click|fetch|insert)\\b',
    ),
    score: 0.5,
    toolScore: 0.8,
  },
  {
    id: 'indirect.model_reading_this',
    re: rx('\\b(?:ai|assistant|llm|model|agent|chatbot|bot)s?\\s+(?:(?:that\\s+(?:is|are)\\s+)?(?:summari[sz]ing|reading|processing|parsing|scanning|indexing))\\s+(?:this|these)\\b'),
    score: 0.5,
    toolScore: 0.8,
  },
  {
    id: 'indirect.tool_directive',
    re: rx('\\b(?:must|should|shall|needs?\\s+to|has\\s+to)\\s+(?:immediately\\s+|now\\s+|also\\s+)?(?:call|invoke|run|use|execute|trigger)\\s+(?:the\\s+)?[\\w.-]+\\s+(?:tool|function|api|endpoint|action)\\b'),
    score: 0.4,
    toolScore: 0.6,
  },
  {
    id: 'indirect.when_you_read_this',
    re: rx('\\b(?:when|if|once|after|while)\\s+(?:you|(?:an?|the|any)\\s+(?:ai\\s+)?(?:ai|assistant|model|llm|agent|chatbot))\\s+(?:read|see|process|summari[sz]e|encounter|parse|load)(?:s|es)?\\s+(?:this|these)\\b'),
    score: 0.5,
    toolScore: 0.7,
  },
  {
    id: 'indirect.conceal_from_user',
    re: rx(
      "\\b(?:do\\s+not|don['’]t|never)\\s+(?:mention|tell|reveal|disclose|inform|show)\\s+(?:this|it|anything|these\\s+instructions)\\s+(?:to\\s+)?(?:the\\s+)?(?:user|customer|human)s?\\b|\\bwithout\\s+(?:telling|informing|notifying)\\s+(?:the\\s+)?(?:user|customer|human)\\b",
    ),
    score: 0.6,
    toolScore: 0.8,
  },
  {
    id: 'indirect.ignore_user',
    re: rx("\\b(?:ignore|disregard|forget)\\s+(?:the\\s+)?(?:user|customer|human|person)(?:['’]s|s['’])?\\s+(?:question|request|query|instructions?|message|prompt|intent)\\b"),
    score: 0.5,
    toolScore: 0.8,
  },
  {
    // Text hidden from the human reader of a page is written for the model.
    id: 'indirect.hidden_text',
    re: rx('display\\s*:\\s*none|visibility\\s*:\\s*hidden|font-size\\s*:\\s*0(?:px|pt|em)?\\b|color\\s*:\\s*(?:white|#fff(?:fff)?)\\s*;\\s*background(?:-color)?\\s*:\\s*(?:white|#fff(?:fff)?)'),
    score: 0.3,
    toolScore: 0.5,
  },
  {
    id: 'indirect.role_tags',
    re: rx(
      '<\\|im_(?:start|end|sep)\\|>|<\\|(?:system|assistant|user|endoftext|start_header_id|end_header_id|eot_id)\\|>|\\[\\/?INST\\]|<<\\/?SYS>>|<\\/?(?:system|sys)>|\\[(?:SYSTEM|SYS|ADMIN)\\]|^[ \\t]*(?:#{1,3}[ \\t]*)?system[ \\t]*:',
      'gim',
    ),
    score: 0.5,
    toolScore: 0.7,
  },
  {
    id: 'indirect.exfiltration',
    re: rx(
      "\\b(?:send|forward|email|e-mail|post|upload|exfiltrate|transmit|leak|copy)\\s+(?:all\\s+(?:of\\s+)?)?(?:the\\s+|this\\s+|these\\s+|their\\s+|your\\s+)?(?:user['’]?s?|customer['’]?s?|client['’]?s?|conversation|chat|previous|private|personal|credentials?|api\\s+keys?|passwords?|report|data|emails?|messages?|history|address(?:es)?|phone\\s+numbers?|contacts?|files?)\\b[^.\\n]{0,60}?\\b(?:to|at|into)\\s+(?:https?:\\/\\/|[\\w.+-]+@[\\w-]+\\.|www\\.)",
    ),
    score: 0.5,
    toolScore: 0.8,
  },
  {
    id: 'encoding.decode_and_follow',
    re: rx('\\b(?:decode|decrypt|translate|convert|interpret|unescape)\\b[^.\\n]{0,40}?\\b(?:and|then)\\s+(?:do|follow|execute|run|obey|carry\\s+out|act\\s+on|perform|apply)\\b'),
    score: 0.6,
  },
];
