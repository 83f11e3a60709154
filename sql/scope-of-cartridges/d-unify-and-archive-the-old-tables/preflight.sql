-- schemalens decision scope-of-cartridges, option D: Unify into one `cartridges` table scoped by `agencies`, archiving the old tables
-- Preflight: read-only queries. Each lists rows; what a row means is written above it.

-- 1. name-free (before up; must list no row)
-- A row means `cartridges` exists already: up.sql would fail.
SELECT to_regclass('public.cartridges') AS taken WHERE to_regclass('public.cartridges') IS NOT NULL;

-- 2. unmappable (before up; must list no row)
-- Rows whose route to `agencies` breaks (e.g. an owner with no `users` row): up.sql refuses to run while any is left (archiving would hide them); map or delete them first.
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
-- Copied rows changed in the new table since up: down.sql restores the old tables as they were at up, so these changes are lost.
SELECT 'style_cartridges' AS source, u.legacy_id FROM public.cartridges AS u
JOIN cartridges_archive.style_cartridges AS t ON t.id = u.legacy_id AND u.type = 'style'
WHERE (u.config || jsonb_build_object('id', u.legacy_id, 'name', u.name, 'is_default', u.is_default, 'created_at', u.created_at, 'updated_at', u.updated_at, 'user_id', u.user_id)) IS DISTINCT FROM to_jsonb(t)
UNION ALL
SELECT 'voice_cartridges' AS source, u.legacy_id FROM public.cartridges AS u
JOIN cartridges_archive.voice_cartridges AS t ON t.id = u.legacy_id AND u.type = 'voice'
WHERE (u.config || jsonb_build_object('id', u.legacy_id, 'name', u.name, 'is_default', u.is_default, 'created_at', u.created_at, 'updated_at', u.updated_at, 'user_id', u.user_id)) IS DISTINCT FROM to_jsonb(t)
UNION ALL
SELECT 'brand_cartridges' AS source, u.legacy_id FROM public.cartridges AS u
JOIN cartridges_archive.brand_cartridges AS t ON t.id = u.legacy_id AND u.type = 'brand'
WHERE (u.config || jsonb_build_object('id', u.legacy_id, 'name', u.name, 'is_default', u.is_default, 'created_at', u.created_at, 'updated_at', u.updated_at, 'user_id', u.user_id)) IS DISTINCT FROM to_jsonb(t)
UNION ALL
SELECT 'instruction_cartridges' AS source, u.legacy_id FROM public.cartridges AS u
JOIN cartridges_archive.instruction_cartridges AS t ON t.id = u.legacy_id AND u.type = 'instruction'
WHERE (u.config || jsonb_build_object('id', u.legacy_id, 'name', u.name, 'is_default', u.is_default, 'created_at', u.created_at, 'updated_at', u.updated_at, 'user_id', u.user_id)) IS DISTINCT FROM to_jsonb(t);

-- 6. deleted-rows (before down; must list no row)
-- Archived rows whose row was deleted from `cartridges` while its trigger `forget_archived_cartridges` did not fire (`session_replication_role = replica`, or the trigger disabled): down.sql would bring them back. Delete them from the archive first.
SELECT 'style_cartridges' AS source, t.id AS legacy_id FROM cartridges_archive.style_cartridges AS t
WHERE NOT EXISTS (SELECT 1 FROM public.cartridges AS u WHERE u.type = 'style' AND u.legacy_id = t.id)
UNION ALL
SELECT 'voice_cartridges' AS source, t.id AS legacy_id FROM cartridges_archive.voice_cartridges AS t
WHERE NOT EXISTS (SELECT 1 FROM public.cartridges AS u WHERE u.type = 'voice' AND u.legacy_id = t.id)
UNION ALL
SELECT 'brand_cartridges' AS source, t.id AS legacy_id FROM cartridges_archive.brand_cartridges AS t
WHERE NOT EXISTS (SELECT 1 FROM public.cartridges AS u WHERE u.type = 'brand' AND u.legacy_id = t.id)
UNION ALL
SELECT 'instruction_cartridges' AS source, t.id AS legacy_id FROM cartridges_archive.instruction_cartridges AS t
WHERE NOT EXISTS (SELECT 1 FROM public.cartridges AS u WHERE u.type = 'instruction' AND u.legacy_id = t.id);
