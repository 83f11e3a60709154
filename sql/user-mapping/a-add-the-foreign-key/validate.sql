-- schemalens decision user-mapping, option A: Add the foreign key `users.id` → `auth.users`
-- validate.sql: one transaction; a lock that cannot be had within 5s aborts it.
BEGIN;
SET LOCAL lock_timeout = '5s';

-- check every existing row against the constraint (locks: SHARE UPDATE EXCLUSIVE on users, ROW SHARE on auth.users)
ALTER TABLE public.users VALIDATE CONSTRAINT users_id_fkey;

COMMIT;
