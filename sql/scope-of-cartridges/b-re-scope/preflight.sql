-- schemalens decision scope-of-cartridges, option B: Re-scope to `agencies`: a new column `agency_id` on each table
-- Preflight: read-only queries. Each lists rows; what a row means is written above it.

-- 1. column-free (before up; must list no row)
-- A row means a table has a column `agency_id` already: up.sql would fail.
SELECT attrelid::regclass AS table_name, attname FROM pg_catalog.pg_attribute
WHERE attname = 'agency_id' AND NOT attisdropped AND attrelid IN ('public.style_cartridges'::regclass, 'public.voice_cartridges'::regclass, 'public.brand_cartridges'::regclass, 'public.instruction_cartridges'::regclass);

-- 2. unmappable (before up; information)
-- Rows whose route to `agencies` breaks: they keep `agency_id` NULL and stay visible to their owner only.
SELECT 'style_cartridges' AS source, t.user_id AS owner, to_jsonb(t) AS row_data
FROM public.style_cartridges AS t
LEFT JOIN public.users ON users.id = t.user_id
LEFT JOIN public.clients ON clients.id = users.client_id
WHERE clients.agency_id IS NULL
UNION ALL
SELECT 'voice_cartridges' AS source, t.user_id AS owner, to_jsonb(t) AS row_data
FROM public.voice_cartridges AS t
LEFT JOIN public.users ON users.id = t.user_id
LEFT JOIN public.clients ON clients.id = users.client_id
WHERE clients.agency_id IS NULL
UNION ALL
SELECT 'brand_cartridges' AS source, t.user_id AS owner, to_jsonb(t) AS row_data
FROM public.brand_cartridges AS t
LEFT JOIN public.users ON users.id = t.user_id
LEFT JOIN public.clients ON clients.id = users.client_id
WHERE clients.agency_id IS NULL
UNION ALL
SELECT 'instruction_cartridges' AS source, t.user_id AS owner, to_jsonb(t) AS row_data
FROM public.instruction_cartridges AS t
LEFT JOIN public.users ON users.id = t.user_id
LEFT JOIN public.clients ON clients.id = users.client_id
WHERE clients.agency_id IS NULL;

-- 3. per-entity (before up; information)
-- How many rows each agency gets.
SELECT entity, count(*) AS rows
FROM (
SELECT clients.agency_id AS entity FROM public.style_cartridges AS t
JOIN public.users ON users.id = t.user_id
JOIN public.clients ON clients.id = users.client_id
UNION ALL
SELECT clients.agency_id AS entity FROM public.voice_cartridges AS t
JOIN public.users ON users.id = t.user_id
JOIN public.clients ON clients.id = users.client_id
UNION ALL
SELECT clients.agency_id AS entity FROM public.brand_cartridges AS t
JOIN public.users ON users.id = t.user_id
JOIN public.clients ON clients.id = users.client_id
UNION ALL
SELECT clients.agency_id AS entity FROM public.instruction_cartridges AS t
JOIN public.users ON users.id = t.user_id
JOIN public.clients ON clients.id = users.client_id
) AS mapped
WHERE entity IS NOT NULL
GROUP BY entity
ORDER BY entity;

-- 4. volume (before up; information)
-- PostgreSQL's estimate of each table's rows (-1: never analysed). The scripts are phased whatever the size: backfills commit every 10,000 rows and indexes are built CONCURRENTLY; on a large table (100,000 rows or more) that is what keeps writes going.
SELECT v.n AS table_name, c.reltuples::bigint AS estimated_rows,
  c.reltuples >= 100000 AS large
FROM (VALUES ('public.style_cartridges'), ('public.voice_cartridges'), ('public.brand_cartridges'), ('public.instruction_cartridges')) AS v(n)
JOIN pg_catalog.pg_class AS c ON c.oid = to_regclass(v.n);

-- 5. invalid-index (before index; must list no row)
-- An index left INVALID by a run of index.sql that failed or was cancelled: it slows every write and serves no query, and index.sql would fail on its name. Drop it without blocking writes (`DROP INDEX CONCURRENTLY public.idx_style_cartridges_agency_id;` for the first) and run index.sql again.
SELECT i.indexrelid::regclass AS index_name FROM pg_catalog.pg_index AS i
WHERE NOT i.indisvalid AND i.indexrelid IN (SELECT to_regclass(n) FROM (VALUES ('public.idx_style_cartridges_agency_id'), ('public.idx_voice_cartridges_agency_id'), ('public.idx_brand_cartridges_agency_id'), ('public.idx_instruction_cartridges_agency_id')) AS v(n));
