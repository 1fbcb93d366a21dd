-- The service's own database and role, beside Temporal's. Migrations create the tables.
CREATE ROLE durable_agents LOGIN PASSWORD 'durable_agents';
CREATE DATABASE durable_agents OWNER durable_agents;
