-- schemalens decision root-entity, option A: Rename `agencies` → `tenants`
-- Preflight: read-only queries. Each lists rows; what a row means is written above it.

-- 1. name-free (before up; must list no row)
-- A row means `tenants` is taken: the rename would fail.
SELECT c.oid::regclass AS taken FROM pg_catalog.pg_class c
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = 'public' AND c.relname = 'tenants';

-- 2. function-bodies (before up; must list no row)
-- Each row is a function whose body names `agencies` or `agency_id`: PostgreSQL keeps bodies as text, so it fails after the rename until it is rewritten in the same release.
SELECT p.oid::regprocedure AS function FROM pg_catalog.pg_proc p
JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') AND p.prosrc ~* E'\\m(agencies|agency_id)\\M';

-- 3. rows (before up; information)
-- How many rows keep their data under the new name (a rename moves no row).
SELECT count(*) AS rows FROM public.agencies;
