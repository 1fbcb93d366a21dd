-- Reserve and commit as one call each. Every model call reserves before it runs and
-- commits after, so these are on the path of every step: as functions they cost one
-- round trip and one implicit transaction instead of BEGIN, two or three statements and
-- COMMIT, and the counter rows stay locked only while the function runs.

-- Claims the attempt (supersedes the uncommitted holds of its earlier attempts) and
-- holds p_usd / p_tokens on the given counters, all or nothing.
-- status 'reserved': done; `counters` are budget_apply's rows, `stale` the holds freed.
-- status 'duplicate': the attempt already has a row (a repeat, or a concurrent twin the
--   insert waited for); nothing changed.
-- status 'refused': a limit would be exceeded; nothing changed; `counters` holds the
--   refusing counter as budget_apply reports it, `stale` the holds that would have been freed.
-- A missing counter raises P0002 (from budget_apply); the caller creates it and retries.
CREATE FUNCTION budget_reserve(
  p_workflow text, p_activity text, p_attempt integer, p_tenant text, p_agent text,
  p_usd numeric, p_tokens bigint, p_counters jsonb,
  p_kind text[], p_subject text[], p_period text[], p_limit_usd numeric[], p_limit_tokens bigint[])
RETURNS TABLE (status text, stale jsonb, counters jsonb)
LANGUAGE plpgsql AS $$
#variable_conflict use_column
DECLARE
  v_inserted boolean;
  v_stale jsonb := '[]';
  v_rows jsonb := '[]';
  v_refused boolean;
BEGIN
  -- A block of its own: raising inside it undoes the claim (a subtransaction), while the
  -- variables keep what the handler reports.
  BEGIN
    WITH superseded AS (
      UPDATE budget_reservations SET status = 'superseded', updated_at = now()
      WHERE workflow_id = p_workflow AND activity_id = p_activity AND attempt < p_attempt AND status = 'reserved'
      RETURNING attempt, reserved_usd AS usd, reserved_tokens AS tokens, budget_reservations.counters),
    ins AS (
      INSERT INTO budget_reservations (workflow_id, activity_id, attempt, tenant_id, agent, status, reserved_usd, reserved_tokens, counters)
      VALUES (p_workflow, p_activity, p_attempt, p_tenant, p_agent, 'reserved', p_usd, p_tokens, p_counters)
      ON CONFLICT DO NOTHING RETURNING 1)
    SELECT EXISTS (SELECT 1 FROM ins), COALESCE((SELECT jsonb_agg(superseded) FROM superseded), '[]') INTO v_inserted, v_stale;
    IF NOT v_inserted THEN
      RAISE EXCEPTION 'attempt already recorded' USING ERRCODE = 'DAB01';
    END IF;

    -- The new hold on each counter, and the refund of every superseded hold on its counters.
    WITH d AS (
      SELECT k, s, p, p_usd AS ru, p_tokens AS rt, lu, lt
      FROM unnest(p_kind, p_subject, p_period, p_limit_usd, p_limit_tokens) AS u(k, s, p, lu, lt)
      UNION ALL
      SELECT c->>'kind', c->>'subject', c->>'period', -((h->>'usd')::numeric), -((h->>'tokens')::bigint), NULL::numeric, NULL::bigint
      FROM jsonb_array_elements(v_stale) AS h, jsonb_array_elements(h->'counters') AS c),
    a AS (
      SELECT * FROM budget_apply(p_tenant,
        (SELECT array_agg(k) FROM d), (SELECT array_agg(s) FROM d), (SELECT array_agg(p) FROM d),
        (SELECT array_agg(ru) FROM d), (SELECT array_agg(0::numeric) FROM d),
        (SELECT array_agg(rt) FROM d), (SELECT array_agg(0::bigint) FROM d),
        (SELECT array_agg(lu) FROM d), (SELECT array_agg(lt) FROM d), true))
    SELECT COALESCE(jsonb_agg(to_jsonb(a)), '[]'), COALESCE(bool_or(a.outcome <> 'ok'), false) INTO v_rows, v_refused FROM a;
    IF v_refused THEN
      RAISE EXCEPTION 'budget limit' USING ERRCODE = 'DAB02';
    END IF;
  EXCEPTION
    WHEN SQLSTATE 'DAB01' THEN
      RETURN QUERY SELECT 'duplicate'::text, '[]'::jsonb, '[]'::jsonb;
      RETURN;
    WHEN SQLSTATE 'DAB02' THEN
      RETURN QUERY SELECT 'refused'::text, v_stale, v_rows;
      RETURN;
  END;
  RETURN QUERY SELECT 'reserved'::text, v_stale, v_rows;
END
$$;

-- Charges an attempt's actual cost once and frees its hold. Without a reservation it
-- charges p_counters; with one, the counters the hold was taken on (a call reserved before
-- midnight is charged to that day). Limits, for alert levels only, are matched to those
-- counters by kind, subject and period kind ('day', 'month', 'run').
-- status 'committed': `counters` are budget_apply's rows.
-- status 'duplicate': the attempt was committed before; usd/tokens are what it was charged.
CREATE FUNCTION budget_commit(
  p_workflow text, p_activity text, p_attempt integer, p_tenant text, p_agent text,
  p_usd numeric, p_tokens bigint, p_counters jsonb,
  p_kind text[], p_subject text[], p_period text[], p_limit_usd numeric[], p_limit_tokens bigint[])
RETURNS TABLE (status text, usd numeric, tokens bigint, counters jsonb)
LANGUAGE plpgsql AS $$
#variable_conflict use_column
DECLARE
  r budget_reservations%ROWTYPE;
  v_found boolean := false;
  v_counters jsonb := p_counters;
  v_refund_usd numeric := 0;
  v_refund_tokens bigint := 0;
  v_rows jsonb;
BEGIN
  -- Lock the attempt's row, or create it committed; an insert that meets a concurrent twin
  -- waits for it, and the next pass finds its row.
  FOR i IN 1..3 LOOP
    SELECT * INTO r FROM budget_reservations b
      WHERE b.workflow_id = p_workflow AND b.activity_id = p_activity AND b.attempt = p_attempt FOR UPDATE;
    IF FOUND THEN
      v_found := true;
      EXIT;
    END IF;
    INSERT INTO budget_reservations (workflow_id, activity_id, attempt, tenant_id, agent, status, reserved_usd, reserved_tokens, actual_usd, actual_tokens, counters)
      VALUES (p_workflow, p_activity, p_attempt, p_tenant, p_agent, 'committed', 0, 0, p_usd, p_tokens, p_counters)
      ON CONFLICT DO NOTHING;
    IF FOUND THEN
      EXIT;
    END IF;
    IF i = 3 THEN
      RAISE EXCEPTION 'budget reservation %/%#% neither found nor inserted', p_workflow, p_activity, p_attempt;
    END IF;
  END LOOP;

  IF v_found THEN
    IF r.status = 'committed' THEN
      RETURN QUERY SELECT 'duplicate'::text, r.actual_usd, r.actual_tokens, '[]'::jsonb;
      RETURN;
    END IF;
    UPDATE budget_reservations b SET status = 'committed', actual_usd = p_usd, actual_tokens = p_tokens, updated_at = now()
      WHERE b.workflow_id = p_workflow AND b.activity_id = p_activity AND b.attempt = p_attempt;
    v_counters := r.counters;
    -- Only a live hold is refunded, exactly as stored; a released or superseded one was freed already.
    IF r.status = 'reserved' THEN
      v_refund_usd := r.reserved_usd;
      v_refund_tokens := r.reserved_tokens;
    END IF;
  END IF;

  WITH lim AS (
    SELECT k, s, split_part(p, ':', 1) AS pk, lu, lt
    FROM unnest(p_kind, p_subject, p_period, p_limit_usd, p_limit_tokens) AS u(k, s, p, lu, lt)),
  d AS (
    SELECT c->>'kind' AS k, c->>'subject' AS s, c->>'period' AS p, lim.lu, lim.lt
    FROM jsonb_array_elements(v_counters) AS c
    LEFT JOIN lim ON lim.k = c->>'kind' AND lim.s = c->>'subject' AND lim.pk = split_part(c->>'period', ':', 1)),
  a AS (
    SELECT * FROM budget_apply(p_tenant,
      (SELECT array_agg(k) FROM d), (SELECT array_agg(s) FROM d), (SELECT array_agg(p) FROM d),
      (SELECT array_agg(-v_refund_usd) FROM d), (SELECT array_agg(p_usd) FROM d),
      (SELECT array_agg(-v_refund_tokens) FROM d), (SELECT array_agg(p_tokens) FROM d),
      (SELECT array_agg(lu) FROM d), (SELECT array_agg(lt) FROM d), false))
  SELECT COALESCE(jsonb_agg(to_jsonb(a)), '[]') INTO v_rows FROM a;
  RETURN QUERY SELECT 'committed'::text, p_usd, p_tokens, v_rows;
END
$$;
