-- API keys of principals (people and services): a role set in one tenant, or in every
-- tenant ('*'). Only the SHA-256 of the secret is kept; the key is shown once, at creation.
-- A revoked key stays, so its decisions keep a name, and its id is never reused.
CREATE TABLE IF NOT EXISTS api_keys (
  key_id        text PRIMARY KEY CHECK (key_id ~ '^[0-9a-f]{16}$'),
  secret_sha256 bytea NOT NULL CHECK (octet_length(secret_sha256) = 32),
  name          text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  kind          text NOT NULL CHECK (kind IN ('person', 'service')),
  tenant        text NOT NULL CHECK (tenant = '*' OR tenant ~ '^[a-z0-9][a-z0-9-]{0,62}$'),
  roles         text[] NOT NULL CHECK (cardinality(roles) > 0 AND roles <@ ARRAY['viewer', 'operator', 'approver', 'admin']),
  created_at    timestamptz NOT NULL DEFAULT now(),
  revoked_at    timestamptz
);
