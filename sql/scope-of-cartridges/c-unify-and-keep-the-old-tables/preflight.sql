-- schemalens decision scope-of-cartridges, option C: Unify into one `cartridges` table scoped by `agencies`, keeping the old tables
-- Preflight: read-only queries. Each lists rows; what a row means is written above it.

-- 1. name-free (before up; must list no row)
-- A row means `cartridges` exists already: up.sql would fail.
SELECT to_regclass('public.cartridges') AS taken WHERE to_regclass('public.cartridges') IS NOT NULL;

-- 2. unmappable (before up; information)
-- Rows whose route to `agencies` breaks (e.g. an owner with no `users` row): they are not copied and stay in the old tables only.
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
-- How many rows each agency gets in `cartridges`.
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

-- 4. new-rows (before down; must list no row)
-- Rows created in the new table since up: down.sql drops them. Copy them out first.
SELECT * FROM public.cartridges WHERE legacy_id IS NULL;

-- 5. changed-rows (before down; must list no row)
-- Copied rows changed in the new table since up: down.sql drops the new table, so these changes are lost (the old tables never had them).
SELECT u.type AS source, u.legacy_id FROM public.cartridges AS u
WHERE u.legacy_id IS NOT NULL AND u.xmin::text <> (SELECT y.xmin::text FROM pg_catalog.pg_type AS y WHERE y.typrelid = 'public.cartridges'::regclass);
