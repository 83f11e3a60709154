-- schemalens decision enable-rls, option A: Enable row level security
-- down.sql: one transaction; a lock that cannot be had within 5s aborts it.
BEGIN;
SET LOCAL lock_timeout = '5s';

-- disable row level security on webhook_events (locks: ACCESS EXCLUSIVE on webhook_events)
ALTER TABLE public.webhook_events DISABLE ROW LEVEL SECURITY;

COMMIT;
