-- schemalens decision scope-of-cartridges, option B: Re-scope to `agencies`: a new column `agency_id` on each table
-- index.sql: one transaction; a lock that cannot be had within 5s aborts it.
BEGIN;
SET LOCAL lock_timeout = '5s';

-- index style_cartridges (agency_id) (locks: SHARE on style_cartridges)
CREATE INDEX idx_style_cartridges_agency_id ON public.style_cartridges (agency_id);

-- index voice_cartridges (agency_id) (locks: SHARE on voice_cartridges)
CREATE INDEX idx_voice_cartridges_agency_id ON public.voice_cartridges (agency_id);

-- index brand_cartridges (agency_id) (locks: SHARE on brand_cartridges)
CREATE INDEX idx_brand_cartridges_agency_id ON public.brand_cartridges (agency_id);

-- index instruction_cartridges (agency_id) (locks: SHARE on instruction_cartridges)
CREATE INDEX idx_instruction_cartridges_agency_id ON public.instruction_cartridges (agency_id);

COMMIT;
