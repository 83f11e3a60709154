-- schemalens decision add-policies, option A: Let the members of `clients` read their rows
-- down.sql: one transaction; a lock that cannot be had within 5s aborts it.
BEGIN;
SET LOCAL lock_timeout = '5s';

-- take every lock up front, in one order, retrying (campaign_daily_stats) (locks: ACCESS EXCLUSIVE on campaign_daily_stats)
DO $lock$
DECLARE
  previous text := current_setting('lock_timeout');
BEGIN
  FOR attempt IN 1..10 LOOP
    BEGIN
      PERFORM set_config('lock_timeout', '200ms', true);
      LOCK TABLE public.campaign_daily_stats IN ACCESS EXCLUSIVE MODE;
      PERFORM set_config('lock_timeout', previous, true);
      RETURN;
    EXCEPTION WHEN lock_not_available THEN
      PERFORM pg_sleep(0.1 * attempt);  -- the locks taken in this attempt are released
    END;
  END LOOP;
  RAISE EXCEPTION 'could not lock campaign_daily_stats in 10 attempts: nothing was changed'
    USING ERRCODE = 'lock_not_available';
END
$lock$;

-- drop policy "clients members can read campaign_daily_stats" (locks: ACCESS EXCLUSIVE on campaign_daily_stats)
DROP POLICY "clients members can read campaign_daily_stats" ON public.campaign_daily_stats;

COMMIT;
