-- The audit trail, and the database roles that make it mean something.
--
-- Workers log in as a role that is a member of `durable_agents_writer`: it may read and
-- write the service's tables, but on `audit_log` only INSERT and SELECT. It owns nothing
-- and is no superuser, so it cannot change or delete an audit row, nor grant itself the
-- right to. Migrations run as the owner of the tables (on the embedded default, the
-- server's superuser). Roles belong to the whole server, so creating this one needs a
-- role that may create roles; a role created beforehand by an administrator is used as is.
DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'durable_agents_writer') THEN
    CREATE ROLE durable_agents_writer NOLOGIN;
  END IF;
EXCEPTION WHEN insufficient_privilege THEN
  RAISE EXCEPTION 'the role durable_agents_writer does not exist and % may not create it: run CREATE ROLE durable_agents_writer NOLOGIN as an administrator, then start again', current_user;
END
$$;

-- One hash chain per tenant. Rows are numbered 1, 2, 3, … per tenant; each row's hash
-- covers every column below and the previous row's hash (see src/audit/chain.ts), so a
-- changed, removed, inserted or reordered row breaks the chain where it happened.
-- `entry_key` says which decision a row records (workflow id, run id, activity id and the
-- decision's index in it): a retried activity finds its rows and writes none again.
-- `detail` holds only facts that are not personal data (tool name, call id, decision,
-- reason code, amounts); `data_digest` is the sha256 of the decision's data as canonical JSON.
-- Pruning replaces the oldest rows by an anchor row (kind 'anchor') whose `prev_hash` is
-- the hash of the last row pruned, so the rows after it still verify.
CREATE TABLE audit_log (
  tenant_id text NOT NULL,
  seq bigint NOT NULL CHECK (seq >= 1),
  created_at timestamptz NOT NULL,
  kind text NOT NULL CHECK (kind ~ '^[a-z_]+$'),
  workflow_id text,
  run_id text,
  principal text NOT NULL,
  entry_key text NOT NULL,
  detail jsonb NOT NULL,
  data_digest text NOT NULL,
  prev_hash text NOT NULL,
  row_hash text NOT NULL,
  PRIMARY KEY (tenant_id, seq),
  UNIQUE (tenant_id, entry_key)
);
CREATE INDEX audit_log_time_idx ON audit_log (tenant_id, created_at);

-- How old a row must be before anyone may prune it, whatever a worker's retention says:
-- the database owner's floor, which the workers' role cannot change.
CREATE TABLE audit_settings (
  singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
  min_prune_age interval NOT NULL
);
INSERT INTO audit_settings (min_prune_age) VALUES (interval '1 day');

-- Prunes a tenant's rows up to p_through (which the caller has archived, and whose hash
-- it quotes) and leaves the anchor the caller computed in their place. Runs as the owner
-- of audit_log (SECURITY DEFINER), so the workers' role may prune through it and in no
-- other way. Refuses rows younger than audit_settings.min_prune_age, a row that changed
-- since it was archived, and a count that does not match what it deletes. Takes the
-- tenant's append lock, so no row is appended meanwhile. Returns the rows deleted (0 when
-- p_through was pruned before: a repeat changes nothing).
CREATE FUNCTION audit_prune(
  p_tenant text, p_through bigint, p_through_hash text, p_count bigint,
  p_anchor_at timestamptz, p_anchor_key text, p_anchor_detail jsonb, p_anchor_hash text)
RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
DECLARE
  v_last audit_log%ROWTYPE;
  v_floor interval;
  v_deleted bigint;
BEGIN
  PERFORM pg_advisory_xact_lock(7233003, hashtext(p_tenant));
  SELECT * INTO v_last FROM audit_log WHERE tenant_id = p_tenant AND seq = p_through;
  IF NOT FOUND OR v_last.kind = 'anchor' THEN
    RETURN 0;
  END IF;
  IF v_last.row_hash <> p_through_hash THEN
    RAISE EXCEPTION 'audit row %/% changed after it was archived; nothing pruned', p_tenant, p_through;
  END IF;
  SELECT min_prune_age INTO v_floor FROM audit_settings;
  IF v_last.created_at > now() - v_floor THEN
    RAISE EXCEPTION 'audit row %/% is younger than the minimum age % (audit_settings); nothing pruned', p_tenant, p_through, v_floor;
  END IF;
  DELETE FROM audit_log WHERE tenant_id = p_tenant AND seq <= p_through AND kind <> 'anchor';
  GET DIAGNOSTICS v_deleted = ROW_COUNT;
  IF v_deleted <> p_count THEN
    RAISE EXCEPTION 'audit rows %/..% are % in the table, not the % archived; nothing pruned', p_tenant, p_through, v_deleted, p_count;
  END IF;
  DELETE FROM audit_log WHERE tenant_id = p_tenant AND seq < p_through AND kind = 'anchor';
  INSERT INTO audit_log (tenant_id, seq, created_at, kind, workflow_id, run_id, principal, entry_key, detail, data_digest, prev_hash, row_hash)
    VALUES (p_tenant, p_through, p_anchor_at, 'anchor', NULL, NULL, 'system:retention', p_anchor_key, p_anchor_detail, '', v_last.row_hash, p_anchor_hash);
  RETURN v_deleted;
END
$$;
REVOKE ALL ON FUNCTION audit_prune(text, bigint, text, bigint, timestamptz, text, jsonb, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION audit_prune(text, bigint, text, bigint, timestamptz, text, jsonb, text) TO durable_agents_writer;

REVOKE ALL ON audit_log, audit_settings FROM PUBLIC;
GRANT SELECT, INSERT ON audit_log TO durable_agents_writer;
GRANT SELECT ON audit_settings TO durable_agents_writer;

-- The service's other tables: what the workers and the CLI do with them.
GRANT USAGE ON SCHEMA public TO durable_agents_writer;
GRANT SELECT, INSERT, UPDATE, DELETE ON
  tool_effects, orders, refunds, notifications, response_cache, budget_counters, budget_reservations,
  batch_inputs, batches, batch_items
  TO durable_agents_writer;
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO durable_agents_writer;
-- The migrator checks which migrations are applied before it needs to write anything.
GRANT SELECT ON schema_migrations TO durable_agents_writer;
-- Tables and sequences later migrations create (as this same role) get the same rights;
-- a table that must not be rewritten revokes them in its own migration, as audit_log does.
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO durable_agents_writer;
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO durable_agents_writer;
