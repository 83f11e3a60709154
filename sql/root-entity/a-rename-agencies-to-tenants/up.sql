-- schemalens decision root-entity, option A: Rename `agencies` → `tenants`
-- up.sql: one transaction; a lock that cannot be had within 5s aborts it.
BEGIN;
SET LOCAL lock_timeout = '5s';

-- take every lock up front, in one order, retrying (agencies, clients) (locks: ACCESS EXCLUSIVE on agencies, ACCESS EXCLUSIVE on clients)
DO $lock$
DECLARE
  previous text := current_setting('lock_timeout');
BEGIN
  FOR attempt IN 1..10 LOOP
    BEGIN
      PERFORM set_config('lock_timeout', '200ms', true);
      LOCK TABLE public.agencies IN ACCESS EXCLUSIVE MODE;
      LOCK TABLE public.clients IN ACCESS EXCLUSIVE MODE;
      PERFORM set_config('lock_timeout', previous, true);
      RETURN;
    EXCEPTION WHEN lock_not_available THEN
      PERFORM pg_sleep(0.1 * attempt);  -- the locks taken in this attempt are released
    END;
  END LOOP;
  RAISE EXCEPTION 'could not lock agencies, clients in 10 attempts: nothing was changed'
    USING ERRCODE = 'lock_not_available';
END
$lock$;

-- rename agencies to tenants (locks: ACCESS EXCLUSIVE on agencies)
ALTER TABLE public.agencies RENAME TO tenants;

-- rename clients.agency_id to tenant_id (locks: ACCESS EXCLUSIVE on clients)
ALTER TABLE public.clients RENAME COLUMN agency_id TO tenant_id;

-- rename constraint agencies_pkey to tenants_pkey (locks: ACCESS EXCLUSIVE on tenants)
ALTER TABLE public.tenants RENAME CONSTRAINT agencies_pkey TO tenants_pkey;

-- rename constraint agencies_slug_key to tenants_slug_key (locks: ACCESS EXCLUSIVE on tenants)
ALTER TABLE public.tenants RENAME CONSTRAINT agencies_slug_key TO tenants_slug_key;

-- rename constraint clients_agency_id_fkey to clients_tenant_id_fkey (locks: ACCESS EXCLUSIVE on clients)
ALTER TABLE public.clients RENAME CONSTRAINT clients_agency_id_fkey TO clients_tenant_id_fkey;

-- rename index idx_clients_agency_id to idx_clients_tenant_id (SHARE UPDATE EXCLUSIVE on the index only) (locks: no table lock)
ALTER INDEX public.idx_clients_agency_id RENAME TO idx_clients_tenant_id;

-- rename trigger update_agencies_updated_at to update_tenants_updated_at (locks: ACCESS EXCLUSIVE on tenants)
ALTER TRIGGER update_agencies_updated_at ON public.tenants RENAME TO update_tenants_updated_at;

-- compatibility view agencies over tenants (locks: ACCESS EXCLUSIVE on agencies, ACCESS SHARE on tenants)
CREATE VIEW public.agencies WITH (security_invoker = true) AS SELECT * FROM public.tenants;

COMMIT;
