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
