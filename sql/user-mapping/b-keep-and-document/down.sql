-- schemalens decision user-mapping, option B: Keep the soft reference and document it
-- down.sql: one transaction; a lock that cannot be had within 5s aborts it.
BEGIN;
SET LOCAL lock_timeout = '5s';

-- document the column (locks: SHARE UPDATE EXCLUSIVE on users)
COMMENT ON COLUMN public.users.id IS NULL;

COMMIT;
