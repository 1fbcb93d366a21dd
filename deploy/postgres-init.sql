-- The service's own database and role, beside Temporal's. Migrations create the tables.
CREATE ROLE durable_agents LOGIN PASSWORD 'durable_agents';
CREATE DATABASE durable_agents OWNER durable_agents;
-- Batch queries (`batch start --query`) run as this role on their own connection: not a
-- superuser, no rights on the service's tables; GRANT SELECT on the tables batches may read.
CREATE ROLE durable_agents_batch_reader LOGIN PASSWORD 'durable_agents_batch_reader' NOSUPERUSER NOCREATEDB NOCREATEROLE;
GRANT CONNECT ON DATABASE durable_agents TO durable_agents_batch_reader;
