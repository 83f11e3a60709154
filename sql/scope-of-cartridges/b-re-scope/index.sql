-- schemalens decision scope-of-cartridges, option B: Re-scope to `agencies`: a new column `agency_id` on each table
-- index.sql: NOT one transaction. Run it as it is, in autocommit (`psql -f index.sql`, without --single-transaction and not inside BEGIN): each statement (each batch of a backfill) commits on its own; a lock that cannot be had within 5s stops it, and it can be run again.
SET lock_timeout = '5s';

-- index style_cartridges (agency_id) without blocking writes (locks: SHARE UPDATE EXCLUSIVE on style_cartridges)
CREATE INDEX CONCURRENTLY idx_style_cartridges_agency_id ON public.style_cartridges (agency_id);

-- index voice_cartridges (agency_id) without blocking writes (locks: SHARE UPDATE EXCLUSIVE on voice_cartridges)
CREATE INDEX CONCURRENTLY idx_voice_cartridges_agency_id ON public.voice_cartridges (agency_id);

-- index brand_cartridges (agency_id) without blocking writes (locks: SHARE UPDATE EXCLUSIVE on brand_cartridges)
CREATE INDEX CONCURRENTLY idx_brand_cartridges_agency_id ON public.brand_cartridges (agency_id);

-- index instruction_cartridges (agency_id) without blocking writes (locks: SHARE UPDATE EXCLUSIVE on instruction_cartridges)
CREATE INDEX CONCURRENTLY idx_instruction_cartridges_agency_id ON public.instruction_cartridges (agency_id);

RESET lock_timeout;
