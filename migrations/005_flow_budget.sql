-- A flow's `budgetUsd` is a budget counter too: kind 'flow', subject the flow's workflow id,
-- period 'run'. Every model call of every run in the flow, parallel ones included, holds
-- against it, so together they can never spend more than the flow's budget.
ALTER TABLE budget_counters DROP CONSTRAINT budget_counters_kind_check;
ALTER TABLE budget_counters ADD CONSTRAINT budget_counters_kind_check CHECK (kind IN ('tenant', 'agent', 'run', 'flow'));
