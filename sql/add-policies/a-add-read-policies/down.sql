-- schemalens decision add-policies, option A: Let the members of `clients` read their rows
-- down.sql: one transaction; a lock that cannot be had within 5s aborts it.
BEGIN;
SET LOCAL lock_timeout = '5s';

-- drop policy "clients members can read campaign_daily_stats" (locks: ACCESS EXCLUSIVE on campaign_daily_stats)
DROP POLICY "clients members can read campaign_daily_stats" ON public.campaign_daily_stats;

COMMIT;
