-- Batches: inputs stored by clients, each batch's snapshot of its items, and outcomes.

-- Item sets a client stored before starting a batch or creating a schedule (inline lists,
-- a JSONL file read on the client's machine). A one-off batch consumes its set when it
-- takes its snapshot; a schedule's set lives until the schedule is deleted.
CREATE TABLE batch_inputs (
  set_id text NOT NULL,
  idx integer NOT NULL CHECK (idx >= 0),
  input text NOT NULL,
  key text,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (set_id, idx)
);

-- One row per batch (the batch id is its workflow id). Inserted in the same transaction as
-- the batch's items, so "the row exists" means "the snapshot is complete".
CREATE TABLE batches (
  batch_id text PRIMARY KEY,
  tenant_id text NOT NULL,
  target jsonb NOT NULL,
  source_kind text NOT NULL CHECK (source_kind IN ('stored', 'jsonl', 'query')),
  total integer NOT NULL CHECK (total >= 0),
  status text NOT NULL DEFAULT 'running' CHECK (status IN ('running', 'completed', 'cancelled', 'failed')),
  created_at timestamptz NOT NULL DEFAULT now(),
  finished_at timestamptz
);
CREATE INDEX batches_finished_idx ON batches (finished_at);

-- The snapshot of a batch's items with one outcome each. Items are numbered 0..total-1, so
-- pages are index ranges and a child run's workflow id is `<batch id>-item-<idx>`.
-- An outcome is written only while the row is 'pending': recording twice changes nothing.
CREATE TABLE batch_items (
  batch_id text NOT NULL REFERENCES batches (batch_id) ON DELETE CASCADE,
  idx integer NOT NULL CHECK (idx >= 0),
  input text NOT NULL,
  key text,
  status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'succeeded', 'failed', 'cancelled')),
  child_workflow_id text,
  answer text,
  error text,
  cost_usd numeric NOT NULL DEFAULT 0,
  finished_at timestamptz,
  PRIMARY KEY (batch_id, idx)
);
CREATE INDEX batch_items_status_idx ON batch_items (batch_id, status, idx);
