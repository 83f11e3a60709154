-- schemalens decision add-policies, option A: Let the members of `clients` read their rows
-- up.sql: one transaction; a lock that cannot be had within 5s aborts it.
BEGIN;
SET LOCAL lock_timeout = '5s';

-- policy "clients members can read campaign_daily_stats" (locks: ACCESS EXCLUSIVE on campaign_daily_stats, ACCESS SHARE on campaigns, ACCESS SHARE on users)
CREATE POLICY "clients members can read campaign_daily_stats" ON public.campaign_daily_stats
  FOR SELECT TO authenticated
  USING (campaign_id IN (SELECT campaigns.id FROM public.campaigns WHERE campaigns.client_id IN (SELECT users.client_id FROM public.users WHERE users.id = auth.uid())));

COMMIT;
