-- schemalens decision scope-of-cartridges, option B: Re-scope to `agencies`: a new column `agency_id` on each table
-- down.sql: one transaction; a lock that cannot be had within 5s aborts it.
BEGIN;
SET LOCAL lock_timeout = '5s';

-- drop policy "Agency members can manage instruction_cartridges" (locks: ACCESS EXCLUSIVE on instruction_cartridges)
DROP POLICY "Agency members can manage instruction_cartridges" ON public.instruction_cartridges;

-- drop instruction_cartridges.agency_id (locks: ACCESS EXCLUSIVE on instruction_cartridges, ACCESS EXCLUSIVE on agencies)
ALTER TABLE public.instruction_cartridges DROP COLUMN agency_id;

-- drop policy "Agency members can manage brand_cartridges" (locks: ACCESS EXCLUSIVE on brand_cartridges)
DROP POLICY "Agency members can manage brand_cartridges" ON public.brand_cartridges;

-- drop brand_cartridges.agency_id (locks: ACCESS EXCLUSIVE on brand_cartridges, ACCESS EXCLUSIVE on agencies)
ALTER TABLE public.brand_cartridges DROP COLUMN agency_id;

-- drop policy "Agency members can manage voice_cartridges" (locks: ACCESS EXCLUSIVE on voice_cartridges)
DROP POLICY "Agency members can manage voice_cartridges" ON public.voice_cartridges;

-- drop voice_cartridges.agency_id (locks: ACCESS EXCLUSIVE on voice_cartridges, ACCESS EXCLUSIVE on agencies)
ALTER TABLE public.voice_cartridges DROP COLUMN agency_id;

-- drop policy "Agency members can manage style_cartridges" (locks: ACCESS EXCLUSIVE on style_cartridges)
DROP POLICY "Agency members can manage style_cartridges" ON public.style_cartridges;

-- drop style_cartridges.agency_id (locks: ACCESS EXCLUSIVE on style_cartridges, ACCESS EXCLUSIVE on agencies)
ALTER TABLE public.style_cartridges DROP COLUMN agency_id;

COMMIT;
