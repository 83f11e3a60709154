-- schemalens decision scope-of-cartridges, option C: Unify into one `cartridges` table scoped by `agencies`, keeping the old tables
-- down.sql: one transaction; a lock that cannot be had within 5s aborts it.
BEGIN;
SET LOCAL lock_timeout = '5s';

-- drop cartridges (locks: ACCESS EXCLUSIVE on cartridges, ACCESS EXCLUSIVE on agencies, ACCESS EXCLUSIVE on auth.users)
DROP TABLE public.cartridges;

-- drop function set_cartridges_agency_id (locks: no table lock)
DROP FUNCTION public.set_cartridges_agency_id();

COMMIT;
