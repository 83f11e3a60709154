-- schemalens decision scope-of-cartridges, option B: Re-scope to `agencies`: a new column `agency_id` on each table
-- policies.sql: one transaction; a lock that cannot be had within 5s aborts it.
BEGIN;
SET LOCAL lock_timeout = '5s';

-- policy "Agency members can read style_cartridges" (locks: ACCESS EXCLUSIVE on style_cartridges, ACCESS SHARE on users, ACCESS SHARE on clients)
CREATE POLICY "Agency members can read style_cartridges" ON public.style_cartridges
  FOR SELECT TO authenticated
  USING (agency_id IN (SELECT clients.agency_id FROM public.users JOIN public.clients ON clients.id = users.client_id WHERE users.id = auth.uid()));

-- policy "Agency members can read voice_cartridges" (locks: ACCESS EXCLUSIVE on voice_cartridges, ACCESS SHARE on users, ACCESS SHARE on clients)
CREATE POLICY "Agency members can read voice_cartridges" ON public.voice_cartridges
  FOR SELECT TO authenticated
  USING (agency_id IN (SELECT clients.agency_id FROM public.users JOIN public.clients ON clients.id = users.client_id WHERE users.id = auth.uid()));

-- policy "Agency members can read brand_cartridges" (locks: ACCESS EXCLUSIVE on brand_cartridges, ACCESS SHARE on users, ACCESS SHARE on clients)
CREATE POLICY "Agency members can read brand_cartridges" ON public.brand_cartridges
  FOR SELECT TO authenticated
  USING (agency_id IN (SELECT clients.agency_id FROM public.users JOIN public.clients ON clients.id = users.client_id WHERE users.id = auth.uid()));

-- policy "Agency members can read instruction_cartridges" (locks: ACCESS EXCLUSIVE on instruction_cartridges, ACCESS SHARE on users, ACCESS SHARE on clients)
CREATE POLICY "Agency members can read instruction_cartridges" ON public.instruction_cartridges
  FOR SELECT TO authenticated
  USING (agency_id IN (SELECT clients.agency_id FROM public.users JOIN public.clients ON clients.id = users.client_id WHERE users.id = auth.uid()));

COMMIT;
