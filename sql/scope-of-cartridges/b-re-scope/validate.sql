-- schemalens decision scope-of-cartridges, option B: Re-scope to `agencies`: a new column `agency_id` on each table
-- validate.sql: one transaction; a lock that cannot be had within 5s aborts it.
BEGIN;
SET LOCAL lock_timeout = '5s';

-- check every existing row against the constraint (locks: SHARE UPDATE EXCLUSIVE on style_cartridges, ROW SHARE on agencies)
ALTER TABLE public.style_cartridges VALIDATE CONSTRAINT style_cartridges_agency_id_fkey;

-- check every existing row against the constraint (locks: SHARE UPDATE EXCLUSIVE on voice_cartridges, ROW SHARE on agencies)
ALTER TABLE public.voice_cartridges VALIDATE CONSTRAINT voice_cartridges_agency_id_fkey;

-- check every existing row against the constraint (locks: SHARE UPDATE EXCLUSIVE on brand_cartridges, ROW SHARE on agencies)
ALTER TABLE public.brand_cartridges VALIDATE CONSTRAINT brand_cartridges_agency_id_fkey;

-- check every existing row against the constraint (locks: SHARE UPDATE EXCLUSIVE on instruction_cartridges, ROW SHARE on agencies)
ALTER TABLE public.instruction_cartridges VALIDATE CONSTRAINT instruction_cartridges_agency_id_fkey;

COMMIT;
