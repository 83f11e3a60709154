-- schemalens decision add-policies, option A: Let the members of `clients` read their rows
-- Preflight: read-only queries. Each lists rows; what a row means is written above it.

-- 1. policy-name-free (before up; must list no row)
-- A row means a policy of that name exists already: up.sql would fail.
SELECT polrelid::regclass AS table_name, polname FROM pg_catalog.pg_policy
WHERE (polrelid = 'public.campaign_daily_stats'::regclass AND polname = 'clients members can read campaign_daily_stats');

-- 2. unreachable-rows (before up; information)
-- Rows with no route to `clients`: no API user reads them (service_role still does).
SELECT 'campaign_daily_stats' AS source, t.campaign_id AS owner, to_jsonb(t) AS row_data
FROM public.campaign_daily_stats AS t
LEFT JOIN public.campaigns ON campaigns.id = t.campaign_id
WHERE campaigns.client_id IS NULL;
