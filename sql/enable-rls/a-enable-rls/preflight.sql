-- schemalens decision enable-rls, option A: Enable row level security
-- Preflight: read-only queries. Each lists rows; what a row means is written above it.

-- 1. rows (before up; information)
-- How many rows each table holds: with RLS on and no policy letting them in, API users see none.
SELECT 'webhook_events' AS table_name, count(*) AS rows FROM public.webhook_events;
