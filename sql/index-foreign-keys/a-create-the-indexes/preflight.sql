-- schemalens decision index-foreign-keys, option A: Create the indexes
-- Preflight: read-only queries. Each lists rows; what a row means is written above it.

-- 1. name-free (before up; must list no row)
-- A row means a relation of that name exists already: up.sql would fail.
SELECT to_regclass(name) AS taken FROM (VALUES ('public.idx_instruction_cartridges_user_id')) AS v(name) WHERE to_regclass(name) IS NOT NULL;

-- 2. rows (before up; information)
-- How many rows each index covers: the build reads them all (CONCURRENTLY: twice), while reads and writes go on.
SELECT 'instruction_cartridges' AS table_name, count(*) AS rows FROM public.instruction_cartridges;

-- 3. volume (before up; information)
-- PostgreSQL's estimate of each table's rows (-1: never analysed). The scripts are phased whatever the size: backfills commit every 10,000 rows and indexes are built CONCURRENTLY; on a large table (100,000 rows or more) that is what keeps writes going.
SELECT v.n AS table_name, c.reltuples::bigint AS estimated_rows,
  c.reltuples >= 100000 AS large
FROM (VALUES ('public.instruction_cartridges')) AS v(n)
JOIN pg_catalog.pg_class AS c ON c.oid = to_regclass(v.n);

-- 4. invalid-index (before up; must list no row)
-- An index left INVALID by a run of up.sql that failed or was cancelled: it slows every write and serves no query, and up.sql would fail on its name. Drop it without blocking writes (`DROP INDEX CONCURRENTLY public.idx_instruction_cartridges_user_id;` for the first) and run up.sql again.
SELECT i.indexrelid::regclass AS index_name FROM pg_catalog.pg_index AS i
WHERE NOT i.indisvalid AND i.indexrelid IN (SELECT to_regclass(n) FROM (VALUES ('public.idx_instruction_cartridges_user_id')) AS v(n));
