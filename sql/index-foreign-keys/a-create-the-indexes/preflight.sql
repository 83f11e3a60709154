-- schemalens decision index-foreign-keys, option A: Create the indexes
-- Preflight: read-only queries. Each lists rows; what a row means is written above it.

-- 1. name-free (before up; must list no row)
-- A row means a relation of that name exists already: up.sql would fail.
SELECT to_regclass(name) AS taken FROM (VALUES ('public.idx_instruction_cartridges_user_id')) AS v(name) WHERE to_regclass(name) IS NOT NULL;

-- 2. rows (before up; information)
-- How many rows each index covers: writes to the table wait while it builds (SHARE lock). On a large, busy table run `CREATE INDEX CONCURRENTLY` outside a transaction instead.
SELECT 'instruction_cartridges' AS table_name, count(*) AS rows FROM public.instruction_cartridges;
