-- schemalens decision scope-of-cartridges, option B: Re-scope to `agencies`: a new column `agency_id` on each table
-- backfill-voice_cartridges.sql: one transaction; a lock that cannot be had within 5s aborts it.
BEGIN;
SET LOCAL lock_timeout = '5s';

-- disable trigger update_voice_cartridges_updated_at (locks: SHARE ROW EXCLUSIVE on voice_cartridges)
ALTER TABLE public.voice_cartridges DISABLE TRIGGER update_voice_cartridges_updated_at;

-- disable trigger set_voice_cartridges_agency_id (locks: SHARE ROW EXCLUSIVE on voice_cartridges)
ALTER TABLE public.voice_cartridges DISABLE TRIGGER set_voice_cartridges_agency_id;

-- backfill voice_cartridges.agency_id along the route (the new key is checked: ROW SHARE on agencies) (locks: ROW EXCLUSIVE on voice_cartridges, ACCESS SHARE on users, ACCESS SHARE on clients, ROW SHARE on agencies)
UPDATE public.voice_cartridges AS t
SET agency_id = clients.agency_id
FROM public.users
JOIN public.clients ON clients.id = users.client_id
WHERE users.id = t.user_id
  AND t.agency_id IS DISTINCT FROM clients.agency_id;

-- enable trigger update_voice_cartridges_updated_at (locks: SHARE ROW EXCLUSIVE on voice_cartridges)
ALTER TABLE public.voice_cartridges ENABLE TRIGGER update_voice_cartridges_updated_at;

-- enable trigger set_voice_cartridges_agency_id (locks: SHARE ROW EXCLUSIVE on voice_cartridges)
ALTER TABLE public.voice_cartridges ENABLE TRIGGER set_voice_cartridges_agency_id;

COMMIT;
