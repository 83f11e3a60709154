-- schemalens decision enable-rls, option A: Enable row level security
-- up.sql: one transaction; a lock that cannot be had within 5s aborts it.
BEGIN;
SET LOCAL lock_timeout = '5s';

-- enable row level security on webhook_events (locks: ACCESS EXCLUSIVE on webhook_events)
ALTER TABLE public.webhook_events ENABLE ROW LEVEL SECURITY;

COMMIT;
