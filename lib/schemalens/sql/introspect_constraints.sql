-- schemalens: primary key, unique and foreign key constraints on the tables in %(tables)s.
-- Columns come in constraint order; inherited marks the copies PostgreSQL makes on partitions
-- (conparentid <> 0). FK actions are pg_constraint's one-letter codes.
SELECT co.oid,
       co.conrelid AS table_oid,
       co.conname AS name,
       co.contype AS kind,
       co.convalidated AS validated,
       co.conparentid <> 0 AS inherited,
       ARRAY(SELECT a.attname FROM pg_catalog.unnest(co.conkey) WITH ORDINALITY AS k(attnum, pos)
             JOIN pg_catalog.pg_attribute a ON a.attrelid = co.conrelid AND a.attnum = k.attnum
             ORDER BY k.pos) AS columns,
       rn.nspname AS ref_schema,
       rc.relname AS ref_name,
       ARRAY(SELECT a.attname FROM pg_catalog.unnest(co.confkey) WITH ORDINALITY AS k(attnum, pos)
             JOIN pg_catalog.pg_attribute a ON a.attrelid = co.confrelid AND a.attnum = k.attnum
             ORDER BY k.pos) AS ref_columns,
       co.confdeltype AS on_delete,
       co.confupdtype AS on_update
FROM pg_catalog.pg_constraint co
LEFT JOIN pg_catalog.pg_class rc ON rc.oid = co.confrelid
LEFT JOIN pg_catalog.pg_namespace rn ON rn.oid = rc.relnamespace
WHERE co.conrelid = ANY (%(tables)s::oid[])
  AND co.contype IN ('p', 'u', 'f')
  AND co.oid <> ALL (%(excluded)s::oid[])
ORDER BY co.conrelid, co.conname
