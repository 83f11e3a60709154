-- schemalens decision enable-rls, option A: Enable row level security
-- down.sql: one transaction; a lock that cannot be had within 5s aborts it.
BEGIN;
SET LOCAL lock_timeout = '5s';

-- take every lock up front, in one order, retrying (webhook_events) (locks: ACCESS EXCLUSIVE on webhook_events)
DO $lock$
DECLARE
  previous text := current_setting('lock_timeout');
BEGIN
  FOR attempt IN 1..10 LOOP
    BEGIN
      PERFORM set_config('lock_timeout', '200ms', true);
      LOCK TABLE public.webhook_events IN ACCESS EXCLUSIVE MODE;
      PERFORM set_config('lock_timeout', previous, true);
      RETURN;
    EXCEPTION WHEN lock_not_available THEN
      PERFORM pg_sleep(0.1 * attempt);  -- the locks taken in this attempt are released
    END;
  END LOOP;
  RAISE EXCEPTION 'could not lock webhook_events in 10 attempts: nothing was changed'
    USING ERRCODE = 'lock_not_available';
END
$lock$;

-- disable row level security on webhook_events (locks: ACCESS EXCLUSIVE on webhook_events)
ALTER TABLE public.webhook_events DISABLE ROW LEVEL SECURITY;

COMMIT;
