-- schemalens decision user-mapping, option A: Add the foreign key `users.id` → `auth.users`
-- down.sql: one transaction; a lock that cannot be had within 5s aborts it.
BEGIN;
SET LOCAL lock_timeout = '5s';

-- take every lock up front, in one order, retrying (users, auth.users) (locks: ACCESS EXCLUSIVE on users, ACCESS EXCLUSIVE on auth.users)
DO $lock$
DECLARE
  previous text := current_setting('lock_timeout');
BEGIN
  FOR attempt IN 1..10 LOOP
    BEGIN
      PERFORM set_config('lock_timeout', '200ms', true);
      LOCK TABLE public.users IN ACCESS EXCLUSIVE MODE;
      LOCK TABLE auth.users IN ACCESS EXCLUSIVE MODE;
      PERFORM set_config('lock_timeout', previous, true);
      RETURN;
    EXCEPTION WHEN lock_not_available THEN
      PERFORM pg_sleep(0.1 * attempt);  -- the locks taken in this attempt are released
    END;
  END LOOP;
  RAISE EXCEPTION 'could not lock users, auth.users in 10 attempts: nothing was changed'
    USING ERRCODE = 'lock_not_available';
END
$lock$;

-- drop constraint users_id_fkey (locks: ACCESS EXCLUSIVE on users, ACCESS EXCLUSIVE on auth.users)
ALTER TABLE public.users DROP CONSTRAINT users_id_fkey;

COMMIT;
