-- schemalens: the identities (catalog, oid) of every user object that exists now (oids below
-- 16384 are PostgreSQL's own). Taken right after the Supabase stand-ins are installed and
-- subtracted from later introspections, so that only what the migrations created counts.
SELECT 'pg_class' AS catalog, oid FROM pg_catalog.pg_class WHERE oid >= 16384
UNION ALL SELECT 'pg_constraint', oid FROM pg_catalog.pg_constraint WHERE oid >= 16384
UNION ALL SELECT 'pg_policy', oid FROM pg_catalog.pg_policy WHERE oid >= 16384
UNION ALL SELECT 'pg_type', oid FROM pg_catalog.pg_type WHERE oid >= 16384
UNION ALL SELECT 'pg_proc', oid FROM pg_catalog.pg_proc WHERE oid >= 16384
UNION ALL SELECT 'pg_trigger', oid FROM pg_catalog.pg_trigger WHERE oid >= 16384
