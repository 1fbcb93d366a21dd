-- Every tool side effect, keyed by its idempotency key (workflow id + tool call id).
-- A tool's effect and its row commit in one transaction, so a retried or resumed tool
-- call finds the row and returns the stored result instead of acting twice.
CREATE TABLE tool_effects (
  idempotency_key text PRIMARY KEY,
  seq bigserial NOT NULL,
  tool text NOT NULL,
  kind text NOT NULL CHECK (kind IN ('execute', 'compensate')),
  tenant_id text NOT NULL,
  workflow_id text NOT NULL,
  args jsonb NOT NULL,
  result jsonb,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX tool_effects_workflow_idx ON tool_effects (workflow_id, seq);

-- Example data for the customer-support agent.
CREATE TABLE orders (
  order_id text PRIMARY KEY,
  tenant_id text NOT NULL,
  customer_name text NOT NULL,
  customer_email text,
  item text NOT NULL,
  amount_cents integer NOT NULL CHECK (amount_cents >= 0),
  currency text NOT NULL DEFAULT 'USD',
  status text NOT NULL DEFAULT 'delivered'
);

CREATE TABLE refunds (
  refund_id bigserial PRIMARY KEY,
  idempotency_key text NOT NULL UNIQUE,
  order_id text NOT NULL REFERENCES orders (order_id),
  amount_cents integer NOT NULL CHECK (amount_cents > 0),
  reason text NOT NULL,
  status text NOT NULL DEFAULT 'issued' CHECK (status IN ('issued', 'reversed')),
  created_at timestamptz NOT NULL DEFAULT now(),
  reversed_at timestamptz
);

CREATE TABLE notifications (
  notification_id bigserial PRIMARY KEY,
  idempotency_key text NOT NULL UNIQUE,
  order_id text NOT NULL,
  recipient text NOT NULL,
  body text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);

INSERT INTO orders (order_id, tenant_id, customer_name, customer_email, item, amount_cents) VALUES
  ('ORD-1001', 'acme', 'Dana Smith', 'dana@example.com', 'Espresso machine', 24900),
  ('ORD-1002', 'acme', 'Lee Wong', 'lee@example.com', 'Coffee grinder', 4500),
  ('ORD-1003', 'acme', 'Sam Patel', NULL, 'Milk frother', 3900),
  ('ORD-2001', 'globex', 'Ana Lima', 'ana@example.com', 'Standing desk', 61900);
