/**
 * English rules for instruction overrides ("ignore previous instructions" and kin) and
 * role-play jailbreaks (DAN, developer mode, "pretend you are", unrestricted personas).
 */
import type { InjectionRule } from './injection-rule';
import { rx, S, W, words } from './injection-rule';

const OVERRIDE_VERBS =
  "ignore|disregard|forget|skip|override|bypass|neglect|discard|abandon|set\\s+aside|throw\\s+out|stop\\s+following|stop\\s+obeying|disobey|(?:do\\s+not|don['’]?t|must\\s+not|never|no\\s+longer)\\s+(?:follow|obey|adhere\\s+to|comply\\s+with)";
const OVERRIDE_QUALIFIERS =
  'previous|prior|above|earlier|preceding|former|foregoing|original|initial|existing|old|system|safety|default|all|your|any|every|programmed|built[-\\s]?in|current|standing|developer|preset|given';
const OVERRIDE_NOUNS =
  'instructions?|directives?|directions|rules|guidelines|guidance|prompts?|commands|context|constraints?|restrictions?|programming|guardrails?|polic(?:y|ies)|orders|settings|filters?|training|conditioning|limitations|safeguards|protocols?';


export const OVERRIDE_RULES: readonly InjectionRule[] = [
  {
    id: 'override.ignore_instructions',
    // "my previous instructions" is a user correcting themselves, not an attack.
    re: rx(
      `\\b(?:${OVERRIDE_VERBS})\\b(?!${S}(?:my|our|me|us)\\b)${words(6)}${S}(?:${OVERRIDE_QUALIFIERS})\\b${words(3)}${S}(?:${OVERRIDE_NOUNS})\\b`,
    ),
    score: 0.95,
  },
  {
    id: 'override.forget_everything',
    re: rx(
      "\\b(?:ignore|disregard|forget)\\s+(?:about\\s+)?(?:all\\s+(?:of\\s+)?)?(?:everything|anything|all|whatever)\\s+(?:that\\s+)?(?:you(?:['’]ve|\\s+have|\\s+were|\\s+was|\\s+had)?\\s+)?(?:been\\s+)?(?:told|said|given|taught|instructed|learned|(?:written\\s+)?above|before|so\\s+far|previously|earlier)\\b",
    ),
    score: 0.9,
  },
  {
    id: 'override.ignore_what_came_before',
    re: rx(
      `\\b(?:${OVERRIDE_VERBS})\\b(?!${S}(?:my|our|me|us)\\b)${words(3)}${S}(?:${OVERRIDE_NOUNS})\\b${words(4)}${S}(?:came|come|given|stated|provided|written|set)${S}(?:before|earlier|previously|above|so\\s+far)\\b`,
    ),
    score: 0.9,
  },
  {
    // "Forget the rules." as an order to the model; "the rules on the box" names something else.
    id: 'override.forget_the_rules',
    re: rx(
      '\\b(?:ignore|disregard|forget|drop|ditch|scrap)\\s+(?:the|those|these|all\\s+the)\\s+(?:rules|instructions|guidelines|restrictions|guardrails|filters|policies)\\b(?!\\s+(?:on|for|of|in|about|from|at|printed|inside|that\\s+came)\\b)',
    ),
    score: 0.75,
  },
  {
    id: 'override.ignore_system_message',
    re: rx(`\\b(?:${OVERRIDE_VERBS})\\s+(?:the\\s+|your\\s+|all\\s+|any\\s+)?(?:system|developer|operator)\\s+(?:message|prompt|instructions?)s?\\b`),
    score: 0.95,
  },
  {
    id: 'override.instructions_void',
    re: rx(
      '\\b(?:your|the|all|previous|prior|earlier|original|old)\\s+(?:previous\\s+|prior\\s+|original\\s+)?(?:instructions|rules|directives|directions|guidelines|prompts?)\\s+(?:have\\s+(?:been\\s+)?|has\\s+(?:been\\s+)?|are\\s+(?:now\\s+)?|were\\s+(?:just\\s+|only\\s+)?|is\\s+(?:now\\s+)?)(?:changed|updated|revoked|replaced|cancell?ed|lifted|void|null|obsolete|invalid|overridden|superseded|no\\s+longer\\s+(?:valid|apply|in\\s+effect)|(?:a\\s+)?(?:test|fake|joke|decoy))\\b',
    ),
    score: 0.85,
  },
  {
    id: 'override.multilingual',
    // The same attack in the languages it most often arrives in besides English and Chinese.
    re: rx(
      '\\b(?:ignora(?:r|d)?|olvida(?:r)?|omite)\\s+(?:todas\\s+)?(?:las\\s+)?instrucciones\\s+(?:anteriores|previas)|\\bignore[rz]?\\s+(?:toutes\\s+)?(?:les\\s+)?instructions\\s+(?:pr[ée]c[ée]dentes|ant[ée]rieures)|\\bignorier(?:e|en)?\\s+(?:alle\\s+)?(?:vorherigen|bisherigen|vorigen)\\s+(?:Anweisungen|Instruktionen|Befehle)|(?:以前|前|これまで)の(?:指示|命令)を無視|이전\\s*(?:지시|명령)(?:을|를)?\\s*무시',
    ),
    score: 0.95,
  },
  {
    id: 'override.ignore_above',
    re: rx(
      "\\b(?:ignore|disregard|forget)\\s+(?:all\\s+)?(?:of\\s+)?(?:the\\s+|what(?:['’]s|\\s+is|\\s+was)?\\s+(?:written\\s+|said\\s+)?)?(?:above|preceding|foregoing)\\b(?!\\s+(?:typo|mistake|error|message|email|comment|note|line|question))",
    ),
    score: 0.85,
  },
  {
    id: 'override.new_instructions',
    re: rx(
      '\\b(?:new|updated|revised|real|actual|true|additional|secret)\\s+(?:system\\s+|priority\\s+|admin\\s+)?(?:instructions?|directives?|task|orders|rules)(?:\\s*[:：]|\\s+(?:follow|below|are\\s+as\\s+follows)\\b)',
    ),
    score: 0.6,
  },
  {
    id: 'override.your_new_task',
    re: rx(
      '\\byour\\s+(?:new|real|actual|true|only|updated)\\s+(?:instructions?|task|role|purpose|goal|directives?|orders|job|mission)\\s+(?:is|are|will\\s+be)\\b',
    ),
    score: 0.85,
  },
  {
    id: 'override.not_bound',
    re: rx(
      "\\b(?:you\\s+are|you['’]re|you\\s+will\\s+be)\\s+(?:now\\s+)?(?:no\\s+longer|not|never)\\s+(?:bound|restricted|limited|constrained|governed|controlled)\\s+by\\b|\\bfreed\\s+from\\s+(?:the\\s+|your\\s+|all\\s+)?(?:typical\\s+)?(?:confines|restrictions|rules|limitations|constraints)\\b|\\bbroken\\s+free\\s+(?:of|from)\\b",
    ),
    score: 0.85,
  },
  {
    id: 'override.context_reset',
    re: rx(
      '\\b(?:conversation|session|context|memory|chat)\\s+(?:has\\s+been|was|is\\s+now|got)\\s+(?:reset|cleared|wiped|restarted|erased)\\b|\\byou\\s+are\\s+(?:now\\s+)?a\\s+(?:new|different|fresh)\\s+(?:assistant|ai|model|bot|chatbot)\\b',
    ),
    score: 0.6,
  },
  {
    id: 'override.ignore_what_they_told_you',
    re: rx(
      `\\b(?:${OVERRIDE_VERBS})\\s+(?:what(?:ever)?|everything|anything|all)\\s+(?:that\\s+)?(?:the\\s+|your\\s+)?(?:developers?|creators?|operators?|company|admins?|system|openai|anthropic|they|others|anyone|someone)\\s+(?:has\\s+|have\\s+)?(?:told|said\\s+to|taught|instructed|programmed)\\s+you\\b`,
    ),
    score: 0.9,
  },
  {
    id: 'override.pretend_rules_gone',
    re: rx(
      "\\b(?:pretend|imagine|act\\s+as\\s+if|assume|suppose)\\s+(?:that\\s+)?(?:the\\s+|your\\s+|all\\s+|any\\s+)?(?:(?:earlier|previous|prior|above|original|system)\\s+)?(?:guidance|instructions|rules|prompt|guidelines|restrictions|training|filters?)\\s+(?:never\\s+existed|(?:do|does)\\s+not\\s+exist|(?:don['’]t|doesn['’]t)\\s+(?:exist|apply)|(?:are|is|were|was)\\s+(?:gone|void|not\\s+there|deleted|removed|lifted))",
    ),
    score: 0.9,
  },
  {
    id: 'override.hypothetical_no_rules',
    re: rx("\\bif\\s+you\\s+(?:had|have|were\\s+free\\s+of|didn['’]t\\s+have|did\\s+not\\s+have)\\s+(?:no\\s+)?(?:rules|restrictions|limits|filters|guidelines|ethics|morals|constraints|guardrails)\\b"),
    score: 0.75,
  },
  {
    id: 'override.authority_transfer',
    re: rx("\\b(?:not|no\\s+longer)\\s+in\\s+charge\\b|\\bI(?:\\s*['’]m|\\s+am)\\s+(?:now\\s+)?(?:in\\s+charge|your\\s+(?:new\\s+)?(?:master|owner|operator|developer|admin|creator))\\b|\\bI(?:\\s*['’]m|\\s+am)\\s+(?:the|an?)\\s+(?:developer|admin(?:istrator)?|creator|owner|operator)\\s+(?:of|behind)\\s+(?:this|you)\\b"),
    score: 0.5,
  },
  { id: 'override.authority_claim', re: rx('\\b(?:system|admin(?:istrator)?|developer|root|god)\\s+override\\b'), score: 0.6 },
  {
    id: 'override.restrictions_lifted',
    re: rx(
      '\\b(?:safety|content|ethical|all)\\s+(?:restrictions|filters|guidelines|policies|protocols|rules)\\s+(?:have\\s+been\\s+|are\\s+(?:now\\s+)?|were\\s+)?(?:lifted|disabled|removed|turned\\s+off|deactivated|suspended|bypassed)\\b',
    ),
    score: 0.8,
  },
  // Case-sensitive on purpose: "Dan" is a name, "DAN" is the jailbreak persona.
  { id: 'roleplay.dan', re: rx('\\bDAN\\b', 'g'), score: 0.6 },
  { id: 'roleplay.can_do_anything', re: rx('\\b(?:can|will|could|may)\\s+do\\s+anything\\b'), score: 0.5 },
  { id: 'roleplay.do_anything_now', re: rx('\\bdo\\s+anything\\s+now\\b'), score: 0.9 },
  {
    id: 'roleplay.jailbreak_mode',
    re: rx('\\b(?:god|jailbreak|jailbroken|unrestricted|unfiltered|uncensored|evil|chaos|anarchy|opposite|sudo|dan|stan|dude|unlocked)\\s+mode\\b'),
    score: 0.85,
  },
  // Phones and SDKs have a developer mode too, so on its own it is only a weak signal.
  { id: 'roleplay.developer_mode', re: rx('\\b(?:developer|dev|debug|admin|maintenance|root)\\s+mode\\b'), score: 0.6 },
  {
    id: 'roleplay.developer_mode_enabled',
    re: rx('\\b(?:developer|dev)\\s+mode\\s+(?:enabled|activated|output|response)\\b|\\bwith\\s+(?:developer|dev)\\s+mode\\b'),
    score: 0.85,
  },
  { id: 'roleplay.jailbreak', re: rx('\\bjailbr(?:eak|oken|eaking)\\w*'), score: 0.6 },
  {
    id: 'roleplay.pretend',
    re: rx("\\b(?:pretend|imagine|suppose|assume)\\s+(?:that\\s+)?(?:you\\s+are|you['’]re|to\\s+be|you\\s+were|you\\s+have\\s+no)\\b"),
    score: 0.5,
  },
  {
    id: 'roleplay.act_as',
    re: rx(
      `\\b(?:act|behave|respond|answer|function|operate)\\s+(?:as|like)\\s+(?:if\\s+you\\s+(?:are|were)\\s+)?(?:an?\\s+|my\\s+|the\\s+)?(?:${W}\\s+){0,3}?(?:ai|assistant|model|chatbot|bot|llm|gpt|character|persona|grandm(?:a|other)|hacker)\\b`,
    ),
    score: 0.5,
  },
  {
    id: 'roleplay.persona_switch',
    re: rx(
      "\\brole[-\\s]?play(?:ing)?\\s+as\\b|\\bimmerse\\s+yourself\\s+(?:in|into)\\s+(?:the\\s+)?role\\b|\\byou\\s+are\\s+(?:now|about\\s+to\\s+(?:become|immerse|play))\\b|\\bfrom\\s+(?:now|this\\s+point|here)\\s+(?:on(?:wards?)?|forward)[,\\s]+you(?:['’]ll|['’]re|\\s+are|\\s+will|\\s+must|\\s+shall)\\b|\\blet['’]?s\\s+play\\s+a\\s+game\\b",
    ),
    score: 0.5,
  },
  {
    id: 'roleplay.unrestricted',
    re: rx(
      "\\b(?:without|no|free\\s+(?:of|from)|not\\s+bound\\s+by|unbound\\s+by|(?:do|does)\\s+not\\s+have\\s+to\\s+(?:abide\\s+by|follow)|don['’]?t\\s+have\\s+to\\s+(?:abide\\s+by|follow)|beyond)\\s+(?:any\\s+|all\\s+|the\\s+)?(?:(?:ethical|moral|content|safety|usual|typical|normal|openai(?:['’]s)?|anthropic(?:['’]s)?)\\s+){0,3}(?:restrictions?|limitations?|filters?|guidelines|rules|censorship|boundaries|constraints|limits|confines|polic(?:y|ies)|morals?|ethics)\\b(?!\\s+(?:on|for|to|regarding|about|of)\\b)",
    ),
    score: 0.6,
  },
  {
    // Naming the model's own safeguards ("no content policy") is a stronger signal than "no limits".
    id: 'roleplay.no_safeguards',
    re: rx(
      "\\b(?:without|no|free\\s+(?:of|from)|ignore|ignoring|bypass(?:ing)?|disable|disabled|deactivate|remove|(?:turn|switch|shut)\\s+off)\\s+(?:any\\s+|all\\s+|the\\s+|your\\s+)?(?:ethical|moral|content|safety|openai(?:['’]s)?|anthropic(?:['’]s)?)\\s+(?:restrictions?|limitations?|filters?|guidelines|rules|polic(?:y|ies)|constraints|boundaries|settings)\\b",
    ),
    score: 0.8,
  },
  {
    id: 'roleplay.unfiltered_ai',
    re: rx(
      '\\b(?:unfiltered|uncensored|unrestricted|unlimited|amoral|unethical|evil|rogue|malicious|jailbroken|unchained|unbound|hacker)\\s+(?:ai|assistant|model|chatbot|bot|version|llm|gpt|confidant|persona)\\b',
    ),
    score: 0.75,
  },
  {
    id: 'roleplay.harmful_persona',
    re: rx(
      '\\b(?:act|pretend|roleplay|role-play|behave|play)\\s+(?:to\\s+be\\s+|as\\s+|like\\s+)?(?:an?\\s+)?(?:hacker|criminal|scammer|terrorist|malware\\s+author|black[-\\s]?hat|drug\\s+dealer)\\b',
    ),
    score: 0.7,
  },
  {
    // The "grandma exploit": a dead relative who used to recite the forbidden thing.
    id: 'roleplay.deceased_relative',
    re: rx('\\b(?:dead|deceased|late|passed)\\s+(?:grand(?:ma|pa|mother|father|mom|dad)|granny|nana|nan)\\b'),
    score: 0.5,
  },
  {
    id: 'roleplay.never_refuse',
    re: rx(
      "\\b(?:never|don['’]?t|do\\s+not|must\\s+not|won['’]?t|will\\s+not|cannot|can['’]?t|shall\\s+not)\\s+(?:ever\\s+)?(?:refuse|decline|say\\s+no)\\b|\\bnever\\s+refuses?\\b|\\b(?:stay|remain)\\s+in\\s+character\\b|\\bbreak(?:ing)?\\s+character\\b",
    ),
    score: 0.55,
  },
];
