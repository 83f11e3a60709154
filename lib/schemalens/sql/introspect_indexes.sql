-- schemalens: indexes that CREATE INDEX made on the tables in %(tables)s. Indexes that back a
-- primary key, unique or exclusion constraint are left out (the model holds those as constraints),
-- and so are the copies PostgreSQL makes on partitions. Key columns only (no INCLUDE columns); an
-- expression column as pg_get_indexdef prints it; a collation other than the column's (or, for an
-- expression, other than the default) as `COLLATE "C"` after it, as CREATE INDEX wrote it. Column names
-- are text, not name: an expression longer than 63 bytes would be cut otherwise.
SELECT ic.oid,
       n.nspname AS schema,
       ic.relname AS name,
       x.indrelid AS table_oid,
       x.indisunique AS is_unique,
       ARRAY(SELECT CASE WHEN k.attnum = 0 THEN pg_catalog.pg_get_indexdef(x.indexrelid, k.pos::int, true)
                         ELSE a.attname::text END
                    || CASE WHEN c.oid IS NULL OR c.oid = 100 OR c.oid = a.attcollation THEN ''
                            ELSE ' COLLATE ' || pg_catalog.quote_ident(c.collname) END
             FROM pg_catalog.unnest(x.indkey::int2[]) WITH ORDINALITY AS k(attnum, pos)
             LEFT JOIN pg_catalog.pg_attribute a ON a.attrelid = x.indrelid AND a.attnum = k.attnum AND k.attnum <> 0
             LEFT JOIN pg_catalog.pg_collation c ON c.oid = x.indcollation[k.pos::int - 1]
             WHERE k.pos <= x.indnkeyatts
             ORDER BY k.pos) AS columns
FROM pg_catalog.pg_index x
JOIN pg_catalog.pg_class ic ON ic.oid = x.indexrelid
JOIN pg_catalog.pg_namespace n ON n.oid = ic.relnamespace
WHERE x.indrelid = ANY (%(tables)s::oid[])
  AND NOT ic.relispartition
  AND ic.oid <> ALL (%(excluded)s::oid[])
  AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_constraint co
                  WHERE co.conindid = x.indexrelid AND co.conrelid = x.indrelid AND co.contype IN ('p', 'u', 'x'))
ORDER BY n.nspname, ic.relname
