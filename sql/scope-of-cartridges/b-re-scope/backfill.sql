-- schemalens decision scope-of-cartridges, option B: Re-scope to `agencies`: a new column `agency_id` on each table
-- backfill.sql: one transaction; a lock that cannot be had within 5s aborts it.
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

-- disable trigger update_brand_cartridges_updated_at (locks: SHARE ROW EXCLUSIVE on brand_cartridges)
ALTER TABLE public.brand_cartridges DISABLE TRIGGER update_brand_cartridges_updated_at;

-- disable trigger set_brand_cartridges_agency_id (locks: SHARE ROW EXCLUSIVE on brand_cartridges)
ALTER TABLE public.brand_cartridges DISABLE TRIGGER set_brand_cartridges_agency_id;

-- backfill brand_cartridges.agency_id along the route (the new key is checked: ROW SHARE on agencies) (locks: ROW EXCLUSIVE on brand_cartridges, ACCESS SHARE on users, ACCESS SHARE on clients, ROW SHARE on agencies)
UPDATE public.brand_cartridges AS t
SET agency_id = clients.agency_id
FROM public.users
JOIN public.clients ON clients.id = users.client_id
WHERE users.id = t.user_id
  AND t.agency_id IS DISTINCT FROM clients.agency_id;

-- enable trigger update_brand_cartridges_updated_at (locks: SHARE ROW EXCLUSIVE on brand_cartridges)
ALTER TABLE public.brand_cartridges ENABLE TRIGGER update_brand_cartridges_updated_at;

-- enable trigger set_brand_cartridges_agency_id (locks: SHARE ROW EXCLUSIVE on brand_cartridges)
ALTER TABLE public.brand_cartridges ENABLE TRIGGER set_brand_cartridges_agency_id;

-- disable trigger update_instruction_cartridges_updated_at (locks: SHARE ROW EXCLUSIVE on instruction_cartridges)
ALTER TABLE public.instruction_cartridges DISABLE TRIGGER update_instruction_cartridges_updated_at;

-- disable trigger set_instruction_cartridges_agency_id (locks: SHARE ROW EXCLUSIVE on instruction_cartridges)
ALTER TABLE public.instruction_cartridges DISABLE TRIGGER set_instruction_cartridges_agency_id;

-- backfill instruction_cartridges.agency_id along the route (the new key is checked: ROW SHARE on agencies) (locks: ROW EXCLUSIVE on instruction_cartridges, ACCESS SHARE on users, ACCESS SHARE on clients, ROW SHARE on agencies)
UPDATE public.instruction_cartridges AS t
SET agency_id = clients.agency_id
FROM public.users
JOIN public.clients ON clients.id = users.client_id
WHERE users.id = t.user_id
  AND t.agency_id IS DISTINCT FROM clients.agency_id;

-- enable trigger update_instruction_cartridges_updated_at (locks: SHARE ROW EXCLUSIVE on instruction_cartridges)
ALTER TABLE public.instruction_cartridges ENABLE TRIGGER update_instruction_cartridges_updated_at;

-- enable trigger set_instruction_cartridges_agency_id (locks: SHARE ROW EXCLUSIVE on instruction_cartridges)
ALTER TABLE public.instruction_cartridges ENABLE TRIGGER set_instruction_cartridges_agency_id;

COMMIT;
