-- schemalens: user triggers (not internal ones, not the copies on partitions) on any table
-- outside the system schemas, including tables that existed before the migrations (a trigger on
-- auth.users counts); the oids in %(excluded)s are left out. tgtype is decoded in Python.
SELECT tg.oid,
       n.nspname AS schema,
       c.relname AS table_name,
       tg.tgname AS name,
       fn.nspname AS function_schema,
       p.proname AS function_name,
       tg.tgtype AS type_bits
FROM pg_catalog.pg_trigger tg
JOIN pg_catalog.pg_class c ON c.oid = tg.tgrelid
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
JOIN pg_catalog.pg_proc p ON p.oid = tg.tgfoid
JOIN pg_catalog.pg_namespace fn ON fn.oid = p.pronamespace
WHERE NOT tg.tgisinternal
  AND tg.tgparentid = 0
  AND n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast')
  AND tg.oid <> ALL (%(excluded)s::oid[])
ORDER BY n.nspname, c.relname, tg.tgname
