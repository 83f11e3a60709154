-- schemalens decision user-mapping, option A: Add the foreign key `users.id` → `auth.users`
-- Preflight: read-only queries. Each lists rows; what a row means is written above it.

-- 1. name-free (before up; must list no row)
-- A row means a constraint `users_id_fkey` exists already: up.sql would fail.
SELECT conname FROM pg_catalog.pg_constraint
WHERE conrelid = 'public.users'::regclass AND conname = 'users_id_fkey';

-- 2. orphans-now (before up; information)
-- Rows of `users` with no match in `auth.users` today. up.sql still succeeds (NOT VALID leaves existing rows unchecked); validate.sql fails while any is left.
SELECT t.* FROM public.users AS t
WHERE t.id IS NOT NULL
  AND NOT EXISTS (SELECT 1 FROM auth.users AS r WHERE r.id = t.id);

-- 3. orphans (before validate; must list no row)
-- Each row makes VALIDATE fail: give it a matching `auth.users` row, or delete it (deleting it also deletes its rows in linkedin_accounts, notifications, pod_members, through their cascading keys), then run validate.sql.
SELECT t.* FROM public.users AS t
WHERE t.id IS NOT NULL
  AND NOT EXISTS (SELECT 1 FROM auth.users AS r WHERE r.id = t.id);
