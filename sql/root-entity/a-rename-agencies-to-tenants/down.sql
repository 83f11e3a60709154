-- schemalens decision root-entity, option A: Rename `agencies` → `tenants`
-- down.sql: one transaction; a lock that cannot be had within 5s aborts it.
BEGIN;
SET LOCAL lock_timeout = '5s';

-- take every lock up front, in one order, retrying (agencies, tenants, clients) (locks: ACCESS EXCLUSIVE on agencies, ACCESS EXCLUSIVE on tenants, ACCESS EXCLUSIVE on clients)
DO $lock$
DECLARE
  previous text := current_setting('lock_timeout');
BEGIN
  FOR attempt IN 1..10 LOOP
    BEGIN
      PERFORM set_config('lock_timeout', '200ms', true);
      LOCK TABLE public.agencies IN ACCESS EXCLUSIVE MODE;
      LOCK TABLE public.tenants IN ACCESS EXCLUSIVE MODE;
      LOCK TABLE public.clients IN ACCESS EXCLUSIVE MODE;
      PERFORM set_config('lock_timeout', previous, true);
      RETURN;
    EXCEPTION WHEN lock_not_available THEN
      PERFORM pg_sleep(0.1 * attempt);  -- the locks taken in this attempt are released
    END;
  END LOOP;
  RAISE EXCEPTION 'could not lock agencies, tenants, clients in 10 attempts: nothing was changed'
    USING ERRCODE = 'lock_not_available';
END
$lock$;

-- drop the compatibility view agencies (locks: ACCESS EXCLUSIVE on agencies)
DROP VIEW public.agencies;

-- rename trigger update_tenants_updated_at to update_agencies_updated_at (locks: ACCESS EXCLUSIVE on tenants)
ALTER TRIGGER update_tenants_updated_at ON public.tenants RENAME TO update_agencies_updated_at;

-- rename index idx_clients_tenant_id to idx_clients_agency_id (SHARE UPDATE EXCLUSIVE on the index only) (locks: no table lock)
ALTER INDEX public.idx_clients_tenant_id RENAME TO idx_clients_agency_id;

-- rename constraint clients_tenant_id_fkey to clients_agency_id_fkey (locks: ACCESS EXCLUSIVE on clients)
ALTER TABLE public.clients RENAME CONSTRAINT clients_tenant_id_fkey TO clients_agency_id_fkey;

-- rename constraint tenants_slug_key to agencies_slug_key (locks: ACCESS EXCLUSIVE on tenants)
ALTER TABLE public.tenants RENAME CONSTRAINT tenants_slug_key TO agencies_slug_key;

-- rename constraint tenants_pkey to agencies_pkey (locks: ACCESS EXCLUSIVE on tenants)
ALTER TABLE public.tenants RENAME CONSTRAINT tenants_pkey TO agencies_pkey;

-- rename clients.tenant_id to agency_id (locks: ACCESS EXCLUSIVE on clients)
ALTER TABLE public.clients RENAME COLUMN tenant_id TO agency_id;

-- rename tenants to agencies (locks: ACCESS EXCLUSIVE on tenants)
ALTER TABLE public.tenants RENAME TO agencies;

COMMIT;
