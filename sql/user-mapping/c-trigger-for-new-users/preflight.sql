-- schemalens decision user-mapping, option C: Trigger on `auth.users` creating `users` rows for new users
-- Preflight: read-only queries. Each lists rows; what a row means is written above it.

-- 1. existing-without-row (before up; information)
-- Auth users who have no `users` row today: the trigger handles new users only, so these stay without one (create them by hand or leave them).
SELECT r.id, r.email, r.created_at FROM auth.users AS r
WHERE NOT EXISTS (SELECT 1 FROM public.users AS t WHERE r.id = t.id);

-- 2. without-email (before up; information)
-- Auth users without email: the trigger creates no row for such users.
SELECT r.id, r.email FROM auth.users AS r WHERE r.email IS NULL;

-- 3. email-taken (before up; information)
-- Auth users whose email a `users` row with another key already has: a new sign-up like these gets no row (ON CONFLICT DO NOTHING).
SELECT r.id, r.email FROM auth.users AS r
JOIN public.users AS t ON t.email = r.email AND t.id <> r.id;
