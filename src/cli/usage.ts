/**
 * The CLI's usage texts. This module loads nothing: `--help` and a mistyped command line
 * must answer without loading the client SDK, the worker or a database driver.
 */

export const FLOW_USAGE = `  flow run <spec.json|name> "<input>"  start a flow and follow its nodes  [--tenant T] [--id ID] [--detach]
  flow status <id>                   show a flow's nodes, escalations and decisions
  flow answer <id> <nodeId> "<text>" answer a waiting escalation node (as DURABLE_AGENTS_API_KEY's principal)
  flow list                          list flows, most recent first [--flow F] [--status S] [--tenant T] [--batch ID] [--limit N]`;

export const USAGE = `usage: npx durable-agents <command> [options]

  dev                              start Temporal (dev server + Web UI), Postgres and a worker
  demo                             start everything and run the support agent end to end
  codec-server                     serve the payload codec alone, for a Web UI or \`temporal --codec-endpoint\`
  keyring rotate                   a new current encryption key for the embedded default (old keys still decrypt)
  run <agent> "<input>"            start a run and follow it   [--tenant T] [--id ID] [--max-steps N] [--detach]
  status <id>                      show a run's state
  approve <id> <callId>            approve a pending tool call, as the principal of DURABLE_AGENTS_API_KEY
  reject <id> <callId>             reject a pending tool call  [--reason TEXT]
  cancel <id>                      cancel a run (its compensations run first)
  list                             list runs, most recent first, without batch items [--agent A] [--status S] [--tenant T] [--limit N]
                                   (the item runs of one batch: --batch ID)
  agents                           list the agents the workers serve
  raise-budget <id> [--run-cap USD]  resume a run paused by its budget policy (optionally with a new cap for the run)
  guard [--agent A] [--tenant T] [--role R]  check JSONL {"id","text","direction"} on stdin with the guardrails
  audit verify [--tenant T]        recompute the audit trail's hash chains; exit 1 at the first broken link
  audit export [--tenant T] [--since WHEN]  the audit trail as JSONL (WHEN: 2025-01-31, an ISO time, or 7d)
  batch start|status|cancel|list   run an agent over many inputs    (npx durable-agents batch --help)
  schedule create|list|describe|pause|unpause|trigger|backfill|delete   Temporal Schedules for batches, flows, housekeeping
  keys create|list|revoke          API keys of people and services (npx durable-agents keys --help)
${FLOW_USAGE}

Exit codes: 0 done; 1 failed (a server out of reach, a directory or port in use, a run that failed or does not exist); 2 a mistake in the command line, input or configuration.
Environment: TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, TASK_QUEUE, DATABASE_URL, DURABLE_AGENTS_ENCRYPTION_KEYS, POLICY_CONFIG, OPENAI_API_KEY, ANTHROPIC_API_KEY,
  DURABLE_AGENTS_API_KEY or DURABLE_AGENTS_TOKEN and DURABLE_AGENTS_URL for decisions (see README).`;

export const KEYS_USAGE = `usage: npx durable-agents keys <command> [options]

  keys create --name N --tenant T --role R [--role R…] [--service]
                                   a principal and its API key (shown once); T a tenant id or * for all,
                                   R one of viewer, operator, approver, admin; --service for a program
  keys list                        keys with their principal, tenant, roles, created and revoked times
  keys revoke <id>                 the key authenticates no more (its past decisions keep their name)

Keys live in the service's Postgres (DATABASE_URL, else the embedded one npx durable-agents dev runs).`;

export const BATCH_USAGE = `usage: npx durable-agents batch <command> [options]

  batch start <agent> INPUTS       run an agent over many inputs and follow the progress
  batch start --flow F INPUTS      the same with a flow (spec.json or example name)
      INPUTS: --inputs FILE.jsonl | --query "SELECT …" | --item "text" [--item "text" …]
      [--concurrency N] [--tenant T] [--id ID] [--max-failure-ratio R] [--detach]
  batch status <id>                follow a batch's progress to its summary
  batch cancel <id>                cancel a batch (runs in flight are cancelled and compensate)
  batch list                       list batches, most recent first [--agent A] [--status S] [--tenant T] [--limit N]
                                   (a batch's item runs: npx durable-agents list --batch <id>)`;

export const SCHEDULE_USAGE = `usage: npx durable-agents schedule <command> [options]

  schedule create <id> WHAT WHEN [POLICIES]
      WHAT:  --agent A INPUTS [--concurrency N] [--max-failure-ratio R]   a batch (INPUTS as for batch start;
                                                                           --inputs and --item are stored now)
             --flow F --input "text"                                       one flow run
             --flow F INPUTS                                               a batch of flow runs
             --housekeeping                                                prune expired cache rows and old ledger rows
      WHEN:  --cron "0 3 * * *" (repeatable) [--timezone Europe/Paris] | --every 1h [--offset 15m]
      POLICIES: [--overlap skip|buffer-one|buffer-all|cancel-other|terminate-other|allow-all] [--catchup-window 10m]
                [--pause-on-failure] [--paused] [--note TEXT] [--tenant T]
  schedule list
  schedule describe <id>                       policies, recent and next actions (times in the schedule's time zone)
  schedule pause <id> [--note TEXT]
  schedule unpause <id> [--note TEXT]
  schedule trigger <id> [--overlap P]          take an action now
  schedule backfill <id> --start ISO --end ISO [--overlap P]   take the actions due in that range
  schedule delete <id>`;
