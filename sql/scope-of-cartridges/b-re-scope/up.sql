-- schemalens decision scope-of-cartridges, option B: Re-scope to `agencies`: a new column `agency_id` on each table
-- up.sql: one transaction; a lock that cannot be had within 5s aborts it.
BEGIN;
SET LOCAL lock_timeout = '5s';

-- add style_cartridges.agency_id (locks: ACCESS EXCLUSIVE on style_cartridges, SHARE ROW EXCLUSIVE on agencies)
ALTER TABLE public.style_cartridges ADD COLUMN agency_id uuid REFERENCES public.agencies (id) ON DELETE CASCADE;

-- disable trigger update_style_cartridges_updated_at (locks: SHARE ROW EXCLUSIVE on style_cartridges)
ALTER TABLE public.style_cartridges DISABLE TRIGGER update_style_cartridges_updated_at;

-- backfill style_cartridges.agency_id along the route (the new key is checked: ROW SHARE on agencies) (locks: ROW EXCLUSIVE on style_cartridges, ACCESS SHARE on users, ACCESS SHARE on clients, ROW SHARE on agencies)
UPDATE public.style_cartridges AS t
SET agency_id = clients.agency_id
FROM public.users
JOIN public.clients ON clients.id = users.client_id
WHERE users.id = t.user_id;

-- enable trigger update_style_cartridges_updated_at (locks: SHARE ROW EXCLUSIVE on style_cartridges)
ALTER TABLE public.style_cartridges ENABLE TRIGGER update_style_cartridges_updated_at;

-- index style_cartridges (agency_id) (locks: SHARE on style_cartridges)
CREATE INDEX idx_style_cartridges_agency_id ON public.style_cartridges (agency_id);

-- policy "Agency members can manage style_cartridges" (locks: ACCESS EXCLUSIVE on style_cartridges, ACCESS SHARE on users, ACCESS SHARE on clients)
CREATE POLICY "Agency members can manage style_cartridges" ON public.style_cartridges
  FOR ALL TO authenticated
  USING (agency_id IN (SELECT clients.agency_id FROM public.users JOIN public.clients ON clients.id = users.client_id WHERE users.id = auth.uid()))
  WITH CHECK (agency_id IN (SELECT clients.agency_id FROM public.users JOIN public.clients ON clients.id = users.client_id WHERE users.id = auth.uid()));

-- add voice_cartridges.agency_id (locks: ACCESS EXCLUSIVE on voice_cartridges, SHARE ROW EXCLUSIVE on agencies)
ALTER TABLE public.voice_cartridges ADD COLUMN agency_id uuid REFERENCES public.agencies (id) ON DELETE CASCADE;

-- disable trigger update_voice_cartridges_updated_at (locks: SHARE ROW EXCLUSIVE on voice_cartridges)
ALTER TABLE public.voice_cartridges DISABLE TRIGGER update_voice_cartridges_updated_at;

-- backfill voice_cartridges.agency_id along the route (the new key is checked: ROW SHARE on agencies) (locks: ROW EXCLUSIVE on voice_cartridges, ACCESS SHARE on users, ACCESS SHARE on clients, ROW SHARE on agencies)
UPDATE public.voice_cartridges AS t
SET agency_id = clients.agency_id
FROM public.users
JOIN public.clients ON clients.id = users.client_id
WHERE users.id = t.user_id;

-- enable trigger update_voice_cartridges_updated_at (locks: SHARE ROW EXCLUSIVE on voice_cartridges)
ALTER TABLE public.voice_cartridges ENABLE TRIGGER update_voice_cartridges_updated_at;

-- index voice_cartridges (agency_id) (locks: SHARE on voice_cartridges)
CREATE INDEX idx_voice_cartridges_agency_id ON public.voice_cartridges (agency_id);

-- policy "Agency members can manage voice_cartridges" (locks: ACCESS EXCLUSIVE on voice_cartridges, ACCESS SHARE on users, ACCESS SHARE on clients)
CREATE POLICY "Agency members can manage voice_cartridges" ON public.voice_cartridges
  FOR ALL TO authenticated
  USING (agency_id IN (SELECT clients.agency_id FROM public.users JOIN public.clients ON clients.id = users.client_id WHERE users.id = auth.uid()))
  WITH CHECK (agency_id IN (SELECT clients.agency_id FROM public.users JOIN public.clients ON clients.id = users.client_id WHERE users.id = auth.uid()));

-- add brand_cartridges.agency_id (locks: ACCESS EXCLUSIVE on brand_cartridges, SHARE ROW EXCLUSIVE on agencies)
ALTER TABLE public.brand_cartridges ADD COLUMN agency_id uuid REFERENCES public.agencies (id) ON DELETE CASCADE;

-- disable trigger update_brand_cartridges_updated_at (locks: SHARE ROW EXCLUSIVE on brand_cartridges)
ALTER TABLE public.brand_cartridges DISABLE TRIGGER update_brand_cartridges_updated_at;

-- backfill brand_cartridges.agency_id along the route (the new key is checked: ROW SHARE on agencies) (locks: ROW EXCLUSIVE on brand_cartridges, ACCESS SHARE on users, ACCESS SHARE on clients, ROW SHARE on agencies)
UPDATE public.brand_cartridges AS t
SET agency_id = clients.agency_id
FROM public.users
JOIN public.clients ON clients.id = users.client_id
WHERE users.id = t.user_id;

-- enable trigger update_brand_cartridges_updated_at (locks: SHARE ROW EXCLUSIVE on brand_cartridges)
ALTER TABLE public.brand_cartridges ENABLE TRIGGER update_brand_cartridges_updated_at;

-- index brand_cartridges (agency_id) (locks: SHARE on brand_cartridges)
CREATE INDEX idx_brand_cartridges_agency_id ON public.brand_cartridges (agency_id);

-- policy "Agency members can manage brand_cartridges" (locks: ACCESS EXCLUSIVE on brand_cartridges, ACCESS SHARE on users, ACCESS SHARE on clients)
CREATE POLICY "Agency members can manage brand_cartridges" ON public.brand_cartridges
  FOR ALL TO authenticated
  USING (agency_id IN (SELECT clients.agency_id FROM public.users JOIN public.clients ON clients.id = users.client_id WHERE users.id = auth.uid()))
  WITH CHECK (agency_id IN (SELECT clients.agency_id FROM public.users JOIN public.clients ON clients.id = users.client_id WHERE users.id = auth.uid()));

-- add instruction_cartridges.agency_id (locks: ACCESS EXCLUSIVE on instruction_cartridges, SHARE ROW EXCLUSIVE on agencies)
ALTER TABLE public.instruction_cartridges ADD COLUMN agency_id uuid REFERENCES public.agencies (id) ON DELETE CASCADE;

-- disable trigger update_instruction_cartridges_updated_at (locks: SHARE ROW EXCLUSIVE on instruction_cartridges)
ALTER TABLE public.instruction_cartridges DISABLE TRIGGER update_instruction_cartridges_updated_at;

-- backfill instruction_cartridges.agency_id along the route (the new key is checked: ROW SHARE on agencies) (locks: ROW EXCLUSIVE on instruction_cartridges, ACCESS SHARE on users, ACCESS SHARE on clients, ROW SHARE on agencies)
UPDATE public.instruction_cartridges AS t
SET agency_id = clients.agency_id
FROM public.users
JOIN public.clients ON clients.id = users.client_id
WHERE users.id = t.user_id;

-- enable trigger update_instruction_cartridges_updated_at (locks: SHARE ROW EXCLUSIVE on instruction_cartridges)
ALTER TABLE public.instruction_cartridges ENABLE TRIGGER update_instruction_cartridges_updated_at;

-- index instruction_cartridges (agency_id) (locks: SHARE on instruction_cartridges)
CREATE INDEX idx_instruction_cartridges_agency_id ON public.instruction_cartridges (agency_id);

-- policy "Agency members can manage instruction_cartridges" (locks: ACCESS EXCLUSIVE on instruction_cartridges, ACCESS SHARE on users, ACCESS SHARE on clients)
CREATE POLICY "Agency members can manage instruction_cartridges" ON public.instruction_cartridges
  FOR ALL TO authenticated
  USING (agency_id IN (SELECT clients.agency_id FROM public.users JOIN public.clients ON clients.id = users.client_id WHERE users.id = auth.uid()))
  WITH CHECK (agency_id IN (SELECT clients.agency_id FROM public.users JOIN public.clients ON clients.id = users.client_id WHERE users.id = auth.uid()));

COMMIT;
