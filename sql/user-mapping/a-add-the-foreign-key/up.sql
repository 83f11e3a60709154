-- schemalens decision user-mapping, option A: Add the foreign key `users.id` → `auth.users`
-- up.sql: one transaction; a lock that cannot be had within 5s aborts it.
BEGIN;
SET LOCAL lock_timeout = '5s';

-- add the foreign key without checking existing rows (locks: SHARE ROW EXCLUSIVE on users, SHARE ROW EXCLUSIVE on auth.users)
ALTER TABLE public.users ADD CONSTRAINT users_id_fkey FOREIGN KEY (id) REFERENCES auth.users (id) ON DELETE CASCADE NOT VALID;

COMMIT;
