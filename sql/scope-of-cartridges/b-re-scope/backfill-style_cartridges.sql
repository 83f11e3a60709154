-- schemalens decision scope-of-cartridges, option B: Re-scope to `agencies`: a new column `agency_id` on each table
-- backfill-style_cartridges.sql: one transaction; a lock that cannot be had within 5s aborts it.
BEGIN;
SET LOCAL lock_timeout = '5s';

-- disable trigger update_style_cartridges_updated_at (locks: SHARE ROW EXCLUSIVE on style_cartridges)
ALTER TABLE public.style_cartridges DISABLE TRIGGER update_style_cartridges_updated_at;

-- disable trigger set_style_cartridges_agency_id (locks: SHARE ROW EXCLUSIVE on style_cartridges)
ALTER TABLE public.style_cartridges DISABLE TRIGGER set_style_cartridges_agency_id;

-- backfill style_cartridges.agency_id along the route (the new key is checked: ROW SHARE on agencies) (locks: ROW EXCLUSIVE on style_cartridges, ACCESS SHARE on users, ACCESS SHARE on clients, ROW SHARE on agencies)
UPDATE public.style_cartridges AS t
SET agency_id = clients.agency_id
FROM public.users
JOIN public.clients ON clients.id = users.client_id
WHERE users.id = t.user_id
  AND t.agency_id IS DISTINCT FROM clients.agency_id;

-- enable trigger update_style_cartridges_updated_at (locks: SHARE ROW EXCLUSIVE on style_cartridges)
ALTER TABLE public.style_cartridges ENABLE TRIGGER update_style_cartridges_updated_at;

-- enable trigger set_style_cartridges_agency_id (locks: SHARE ROW EXCLUSIVE on style_cartridges)
ALTER TABLE public.style_cartridges ENABLE TRIGGER set_style_cartridges_agency_id;

COMMIT;
