-- schemalens decision user-mapping, option C: Trigger on `auth.users` creating `users` rows for new users
-- down.sql: one transaction; a lock that cannot be had within 5s aborts it.
BEGIN;
SET LOCAL lock_timeout = '5s';

-- drop trigger on_auth_user_created (locks: ACCESS EXCLUSIVE on auth.users)
DROP TRIGGER on_auth_user_created ON auth.users;

-- drop function create_user_for_new_auth_user (locks: no table lock)
DROP FUNCTION public.create_user_for_new_auth_user();

COMMIT;
