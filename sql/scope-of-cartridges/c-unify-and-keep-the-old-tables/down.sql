-- schemalens decision scope-of-cartridges, option C: Unify into one `cartridges` table scoped by `agencies`, keeping the old tables
-- down.sql: one transaction; a lock that cannot be had within 5s aborts it.
BEGIN;
SET LOCAL lock_timeout = '5s';

-- take every lock up front, in one order, retrying (cartridges, agencies, auth.users) (locks: ACCESS EXCLUSIVE on cartridges, ACCESS EXCLUSIVE on agencies, ACCESS EXCLUSIVE on auth.users)
DO $lock$
DECLARE
  previous text := current_setting('lock_timeout');
BEGIN
  FOR attempt IN 1..10 LOOP
    BEGIN
      PERFORM set_config('lock_timeout', '200ms', true);
      LOCK TABLE public.cartridges IN ACCESS EXCLUSIVE MODE;
      LOCK TABLE public.agencies IN ACCESS EXCLUSIVE MODE;
      LOCK TABLE auth.users IN ACCESS EXCLUSIVE MODE;
      PERFORM set_config('lock_timeout', previous, true);
      RETURN;
    EXCEPTION WHEN lock_not_available THEN
      PERFORM pg_sleep(0.1 * attempt);  -- the locks taken in this attempt are released
    END;
  END LOOP;
  RAISE EXCEPTION 'could not lock cartridges, agencies, auth.users in 10 attempts: nothing was changed'
    USING ERRCODE = 'lock_not_available';
END
$lock$;

-- drop cartridges (locks: ACCESS EXCLUSIVE on cartridges, ACCESS EXCLUSIVE on agencies, ACCESS EXCLUSIVE on auth.users)
DROP TABLE public.cartridges;

-- drop function set_cartridges_agency_id (locks: no table lock)
DROP FUNCTION public.set_cartridges_agency_id();

COMMIT;
