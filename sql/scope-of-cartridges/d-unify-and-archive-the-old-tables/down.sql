-- schemalens decision scope-of-cartridges, option D: Unify into one `cartridges` table scoped by `agencies`, archiving the old tables
-- down.sql: one transaction; a lock that cannot be had within 5s aborts it.
BEGIN;
SET LOCAL lock_timeout = '5s';

-- take every lock up front, in one order, retrying (cartridges_archive.instruction_cartridges, cartridges_archive.brand_cartridges, cartridges_archive.voice_cartridges, cartridges_archive.style_cartridges, cartridges, agencies, auth.users) (locks: ACCESS EXCLUSIVE on cartridges_archive.instruction_cartridges, ACCESS EXCLUSIVE on cartridges_archive.brand_cartridges, ACCESS EXCLUSIVE on cartridges_archive.voice_cartridges, ACCESS EXCLUSIVE on cartridges_archive.style_cartridges, ACCESS EXCLUSIVE on cartridges, ACCESS EXCLUSIVE on agencies, ACCESS EXCLUSIVE on auth.users)
DO $lock$
DECLARE
  previous text := current_setting('lock_timeout');
BEGIN
  FOR attempt IN 1..10 LOOP
    BEGIN
      PERFORM set_config('lock_timeout', '200ms', true);
      LOCK TABLE cartridges_archive.instruction_cartridges IN ACCESS EXCLUSIVE MODE;
      LOCK TABLE cartridges_archive.brand_cartridges IN ACCESS EXCLUSIVE MODE;
      LOCK TABLE cartridges_archive.voice_cartridges IN ACCESS EXCLUSIVE MODE;
      LOCK TABLE cartridges_archive.style_cartridges IN ACCESS EXCLUSIVE MODE;
      LOCK TABLE public.cartridges IN ACCESS EXCLUSIVE MODE;
      LOCK TABLE public.agencies IN ACCESS EXCLUSIVE MODE;
      LOCK TABLE auth.users IN ACCESS EXCLUSIVE MODE;
      PERFORM set_config('lock_timeout', previous, true);
      RETURN;
    EXCEPTION WHEN lock_not_available THEN
      PERFORM pg_sleep(0.1 * attempt);  -- the locks taken in this attempt are released
    END;
  END LOOP;
  RAISE EXCEPTION 'could not lock cartridges_archive.instruction_cartridges, cartridges_archive.brand_cartridges, cartridges_archive.voice_cartridges, cartridges_archive.style_cartridges, cartridges, agencies, auth.users in 10 attempts: nothing was changed'
    USING ERRCODE = 'lock_not_available';
END
$lock$;

-- move cartridges_archive.instruction_cartridges to schema public (locks: ACCESS EXCLUSIVE on cartridges_archive.instruction_cartridges)
ALTER TABLE cartridges_archive.instruction_cartridges SET SCHEMA public;

-- move cartridges_archive.brand_cartridges to schema public (locks: ACCESS EXCLUSIVE on cartridges_archive.brand_cartridges)
ALTER TABLE cartridges_archive.brand_cartridges SET SCHEMA public;

-- move cartridges_archive.voice_cartridges to schema public (locks: ACCESS EXCLUSIVE on cartridges_archive.voice_cartridges)
ALTER TABLE cartridges_archive.voice_cartridges SET SCHEMA public;

-- move cartridges_archive.style_cartridges to schema public (locks: ACCESS EXCLUSIVE on cartridges_archive.style_cartridges)
ALTER TABLE cartridges_archive.style_cartridges SET SCHEMA public;

-- drop schema cartridges_archive (only when empty) (locks: no table lock)
DROP SCHEMA cartridges_archive;

-- drop cartridges (locks: ACCESS EXCLUSIVE on cartridges, ACCESS EXCLUSIVE on agencies, ACCESS EXCLUSIVE on auth.users)
DROP TABLE public.cartridges;

-- drop function forget_archived_cartridges (locks: no table lock)
DROP FUNCTION public.forget_archived_cartridges();

-- drop function set_cartridges_agency_id (locks: no table lock)
DROP FUNCTION public.set_cartridges_agency_id();

COMMIT;
