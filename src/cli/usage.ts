/**
 * The CLI's usage texts. This module loads nothing: `--help` and a mistyped command line
 * must answer without loading the client SDK, the worker or a database driver.
 */

export const FLOW_USAGE = `  flow run <spec.json|name> "<input>"  start a flow and follow its nodes  [--tenant T] [--id ID] [--detach]
  flow status <id>                   show a flow's nodes, escalations and decisions
  flow answer <id> <nodeId> "<text>" answer a waiting escalation node    [--by NAME]
  flow list                          list flows, most recent first [--flow F] [--status S] [--tenant T] [--batch ID] [--limit N]`;

export const USAGE = `usage: npx durable-agents <command> [options]

  dev                              start Temporal (dev server + Web UI), Postgres and a worker
  demo                             start everything and run the support agent end to end
  codec-server                     serve the payload codec alone, for a Web UI or \`temporal --codec-endpoint\`
  keyring rotate                   a new current encryption key for the embedded default (old keys still decrypt)
  run <agent> "<input>"            start a run and follow it   [--tenant T] [--id ID] [--max-steps N] [--detach]
  status <id>                      show a run's state
  approve <id> <callId>            approve a pending tool call [--by NAME]
  reject <id> <callId>             reject a pending tool call  [--reason TEXT] [--by NAME]
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
${FLOW_USAGE}

Exit codes: 0 done; 1 failed (a server out of reach, a directory or port in use, a run that failed or does not exist); 2 a mistake in the command line, input or configuration.
Environment: TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, TASK_QUEUE, DATABASE_URL, DURABLE_AGENTS_ENCRYPTION_KEYS, POLICY_CONFIG, OPENAI_API_KEY, ANTHROPIC_API_KEY (see README).`;

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
