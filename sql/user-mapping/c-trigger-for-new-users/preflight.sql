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
-- Auth users whose email a `users` row with another key already has. The trigger handles new sign-ups only: these stay as they are. A new sign-up with such a value gets no row (ON CONFLICT DO NOTHING) unless the row is an invitation (its key is no auth user's): then it is linked.
SELECT r.id, r.email FROM auth.users AS r
JOIN public.users AS t ON t.email = r.email AND t.id <> r.id;

-- 4. invited-ambiguous-email (before up; information)
-- Each row is a value of email that more than one `users` row without an auth user has: a sign-up with it links none of them (the trigger cannot tell which one was the invitation).
SELECT t.email, count(*) AS rows FROM public.users AS t
WHERE NOT EXISTS (SELECT FROM auth.users AS a WHERE a.id = t.id)
GROUP BY t.email HAVING count(*) > 1;
