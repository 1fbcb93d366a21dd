-- Policies: the L2 response cache and the budget ledger.

-- L2 response cache, shared by every worker. Rows are always scoped by tenant; the key is
-- a sha256 of the canonical request and already includes tenant and namespace, which are
-- repeated as columns so a lookup can never cross tenants even with a forged key.
-- `seq` orders rows by write time for size-cap eviction (oldest first); `expires_at` makes
-- expired rows invisible to readers before `prune()` deletes them.
CREATE TABLE response_cache (
  tenant_id text NOT NULL,
  namespace text NOT NULL,
  key text NOT NULL,
  value jsonb NOT NULL,
  seq bigserial NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL,
  PRIMARY KEY (tenant_id, namespace, key)
);
CREATE INDEX response_cache_namespace_seq_idx ON response_cache (namespace, seq);
CREATE INDEX response_cache_tenant_seq_idx ON response_cache (namespace, tenant_id, seq);
CREATE INDEX response_cache_expires_idx ON response_cache (expires_at);

-- One row per budget scope and period: the row that concurrent reservations lock
-- (SELECT ... FOR UPDATE, in key order) so no two runs can spend the same headroom.
--   kind 'tenant': subject ''            period 'day:YYYY-MM-DD' | 'month:YYYY-MM' (UTC)
--   kind 'agent':  subject agent name    period as for tenant
--   kind 'run':    subject workflow id   period 'run'
-- `reserved_*` are holds of calls in flight; `spent_*` is committed actual cost.
-- `alert_*` is the highest alert threshold (0, 80, 100 percent) already emitted, so each
-- threshold fires once per scope and period.
CREATE TABLE budget_counters (
  tenant_id text NOT NULL,
  kind text NOT NULL CHECK (kind IN ('tenant', 'agent', 'run')),
  subject text NOT NULL,
  period text NOT NULL,
  reserved_usd numeric NOT NULL DEFAULT 0,
  spent_usd numeric NOT NULL DEFAULT 0,
  reserved_tokens bigint NOT NULL DEFAULT 0,
  spent_tokens bigint NOT NULL DEFAULT 0,
  alert_usd smallint NOT NULL DEFAULT 0,
  alert_tokens smallint NOT NULL DEFAULT 0,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, kind, subject, period)
);

-- One row per model-call attempt, keyed by Temporal's (workflow id, activity id, attempt),
-- so reserve and commit are idempotent per attempt. `counters` lists the counter rows the
-- hold was taken on, so commit and release touch exactly those even across a period change.
-- status: reserved (holding budget) -> committed (actual cost charged) | released (call
-- failed without cost) | superseded (a later attempt of the same activity took over).
CREATE TABLE budget_reservations (
  workflow_id text NOT NULL,
  activity_id text NOT NULL,
  attempt integer NOT NULL CHECK (attempt >= 1),
  tenant_id text NOT NULL,
  agent text,
  status text NOT NULL CHECK (status IN ('reserved', 'committed', 'released', 'superseded')),
  reserved_usd numeric NOT NULL,
  reserved_tokens bigint NOT NULL,
  actual_usd numeric,
  actual_tokens bigint,
  counters jsonb NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (workflow_id, activity_id, attempt)
);
CREATE INDEX budget_reservations_status_idx ON budget_reservations (status, updated_at);

-- Alert level (0, 80 or 100 percent) that `spent` has reached against `lim`.
CREATE FUNCTION budget_alert_level(spent numeric, lim numeric) RETURNS smallint
LANGUAGE sql IMMUTABLE AS $$
  SELECT (CASE WHEN lim IS NULL OR spent <= 0 THEN 0 WHEN spent >= lim THEN 100 WHEN spent >= lim * 0.8 THEN 80 ELSE 0 END)::smallint
$$;

-- Locks a tenant's counters (in key order), optionally checks limits, and applies deltas,
-- in one call so the hot per-scope rows stay locked for as short a time as possible: the
-- lock is released by the caller's COMMIT, which is its very next statement.
-- Several deltas may name one counter (a new hold and an earlier attempt's refund); they
-- are summed. With p_enforce, nothing changes if any counter would exceed a limit:
-- the first such counter comes back with outcome 'usd' or 'tokens' and its current state.
-- Otherwise every counter comes back with outcome 'ok', its new state, and its alert
-- level before and after. A missing counter raises P0002; the caller creates it and retries.
CREATE FUNCTION budget_apply(
  p_tenant text, p_kind text[], p_subject text[], p_period text[],
  p_reserved_usd numeric[], p_spent_usd numeric[], p_reserved_tokens bigint[], p_spent_tokens bigint[],
  p_limit_usd numeric[], p_limit_tokens bigint[], p_enforce boolean)
RETURNS TABLE (
  kind text, subject text, period text, spent_usd numeric, reserved_usd numeric, spent_tokens bigint, reserved_tokens bigint,
  old_alert_usd smallint, alert_usd smallint, old_alert_tokens smallint, alert_tokens smallint, outcome text)
LANGUAGE plpgsql AS $$
#variable_conflict use_column
DECLARE
  v_wanted integer;
  v_locked integer;
BEGIN
  SELECT count(DISTINCT (k, s, p)) INTO v_wanted FROM unnest(p_kind, p_subject, p_period) AS u(k, s, p);
  PERFORM 1 FROM budget_counters c
    WHERE c.tenant_id = p_tenant AND (c.kind, c.subject, c.period) IN (SELECT * FROM unnest(p_kind, p_subject, p_period))
    ORDER BY c.kind, c.subject, c.period
    FOR UPDATE;
  GET DIAGNOSTICS v_locked = ROW_COUNT;
  IF v_locked < v_wanted THEN
    RAISE EXCEPTION 'budget counters missing for tenant %', p_tenant USING ERRCODE = 'P0002';
  END IF;

  IF p_enforce THEN
    RETURN QUERY
      WITH d AS (
        SELECT k, s, p, sum(ru) AS ru, sum(rt) AS rt, max(lu) AS lu, max(lt) AS lt
        FROM unnest(p_kind, p_subject, p_period, p_reserved_usd, p_reserved_tokens, p_limit_usd, p_limit_tokens) AS u(k, s, p, ru, rt, lu, lt)
        GROUP BY k, s, p)
      SELECT c.kind, c.subject, c.period, c.spent_usd, c.reserved_usd, c.spent_tokens, c.reserved_tokens,
             c.alert_usd, c.alert_usd, c.alert_tokens, c.alert_tokens,
             CASE WHEN d.lu IS NOT NULL AND c.spent_usd + c.reserved_usd + d.ru > d.lu THEN 'usd' ELSE 'tokens' END
      FROM budget_counters c JOIN d ON c.kind = d.k AND c.subject = d.s AND c.period = d.p
      WHERE c.tenant_id = p_tenant
        AND ((d.lu IS NOT NULL AND c.spent_usd + c.reserved_usd + d.ru > d.lu)
          OR (d.lt IS NOT NULL AND c.spent_tokens + c.reserved_tokens + d.rt > d.lt))
      ORDER BY c.kind, c.subject, c.period
      LIMIT 1;
    IF FOUND THEN
      RETURN;
    END IF;
  END IF;

  -- This statement's snapshot is taken after the locks above, so `o` reads current values.
  RETURN QUERY
    WITH d AS (
      SELECT k, s, p, sum(ru) AS ru, sum(su) AS su, sum(rt) AS rt, sum(st) AS st, max(lu) AS lu, max(lt) AS lt
      FROM unnest(p_kind, p_subject, p_period, p_reserved_usd, p_spent_usd, p_reserved_tokens, p_spent_tokens, p_limit_usd, p_limit_tokens)
        AS u(k, s, p, ru, su, rt, st, lu, lt)
      GROUP BY k, s, p),
    o AS (
      SELECT d.*, c.alert_usd AS old_au, c.alert_tokens AS old_at
      FROM d JOIN budget_counters c ON c.tenant_id = p_tenant AND c.kind = d.k AND c.subject = d.s AND c.period = d.p)
    UPDATE budget_counters c SET
      reserved_usd = c.reserved_usd + o.ru,
      spent_usd = c.spent_usd + o.su,
      reserved_tokens = c.reserved_tokens + o.rt,
      spent_tokens = c.spent_tokens + o.st,
      alert_usd = GREATEST(c.alert_usd, budget_alert_level(c.spent_usd + o.su, o.lu)),
      alert_tokens = GREATEST(c.alert_tokens, budget_alert_level(c.spent_tokens + o.st, o.lt))
    FROM o
    WHERE c.tenant_id = p_tenant AND c.kind = o.k AND c.subject = o.s AND c.period = o.p
    RETURNING c.kind, c.subject, c.period, c.spent_usd, c.reserved_usd, c.spent_tokens, c.reserved_tokens,
              o.old_au, c.alert_usd, o.old_at, c.alert_tokens, 'ok'::text;
END
$$;
