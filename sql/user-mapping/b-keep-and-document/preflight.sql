-- schemalens decision user-mapping, option B: Keep the soft reference and document it
-- Preflight: read-only queries. Each lists rows; what a row means is written above it.

-- 1. unmatched (before up; information)
-- Rows of `users` whose id has no `auth.users` row: they can never sign in as themselves.
SELECT t.* FROM public.users AS t
WHERE t.id IS NOT NULL
  AND NOT EXISTS (SELECT 1 FROM auth.users AS r WHERE r.id = t.id);

-- 2. unmatched-reverse (before up; information)
-- `auth.users` rows with no `users` row: they sign in and see nothing.
SELECT r.id, r.email, r.created_at FROM auth.users AS r
WHERE NOT EXISTS (SELECT 1 FROM public.users AS t WHERE r.id = t.id);
