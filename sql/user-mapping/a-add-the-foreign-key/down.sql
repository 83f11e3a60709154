-- schemalens decision user-mapping, option A: Add the foreign key `users.id` → `auth.users`
-- down.sql: one transaction; a lock that cannot be had within 5s aborts it.
BEGIN;
SET LOCAL lock_timeout = '5s';

-- drop constraint users_id_fkey (locks: ACCESS EXCLUSIVE on users, ACCESS EXCLUSIVE on auth.users)
ALTER TABLE public.users DROP CONSTRAINT users_id_fkey;

COMMIT;
