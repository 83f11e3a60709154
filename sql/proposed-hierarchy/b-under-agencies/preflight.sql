-- schemalens decision proposed-hierarchy, option B: New tables under `agencies` (straight to the root)
-- Preflight: read-only queries. Each lists rows; what a row means is written above it.

-- 1. names-free (before up; must list no row)
-- A row means a table of that name exists already: up.sql would fail.
SELECT c.oid::regclass AS taken FROM pg_catalog.pg_class c
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE (n.nspname, c.relname) IN (('public', 'communications'), ('public', 'alerts'), ('public', 'tickets'), ('public', 'documents'));

-- 2. rows (before down; must list no row)
-- Tables that hold rows: down.sql drops them with their rows. Copy them out first.
SELECT * FROM (
SELECT 'communications' AS table_name, count(*) AS rows FROM public.communications
UNION ALL
SELECT 'alerts' AS table_name, count(*) AS rows FROM public.alerts
UNION ALL
SELECT 'tickets' AS table_name, count(*) AS rows FROM public.tickets
UNION ALL
SELECT 'documents' AS table_name, count(*) AS rows FROM public.documents
) AS counts WHERE rows > 0;
