-- schemalens: views and materialized views outside the system schemas, leaving out what an
-- extension owns and the oids in %(excluded)s: whether materialized, security_invoker (from the
-- view's options), and the tables and views its query reads (through its rewrite rule's dependencies).
SELECT c.oid, n.nspname AS schema, c.relname AS name, c.relkind = 'm' AS materialized,
       COALESCE((SELECT lower(split_part(o, '=', 2)) IN ('true', 'on', '1', 'yes')
                 FROM unnest(c.reloptions) AS o WHERE split_part(o, '=', 1) = 'security_invoker'), false)
         AS security_invoker,
       ARRAY(SELECT DISTINCT rn.nspname || '.' || rc.relname
             FROM pg_catalog.pg_rewrite r
             JOIN pg_catalog.pg_depend d ON d.classid = 'pg_catalog.pg_rewrite'::regclass AND d.objid = r.oid
                                        AND d.refclassid = 'pg_catalog.pg_class'::regclass
             JOIN pg_catalog.pg_class rc ON rc.oid = d.refobjid
             JOIN pg_catalog.pg_namespace rn ON rn.oid = rc.relnamespace
             WHERE r.ev_class = c.oid AND rc.oid <> c.oid AND rc.relkind IN ('r', 'p', 'v', 'm', 'f')
             ORDER BY 1) AS reads
FROM pg_catalog.pg_class c
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('v', 'm')
  AND n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast')
  AND c.oid <> ALL (%(excluded)s::oid[])
  AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d
                  WHERE d.classid = 'pg_catalog.pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e')
ORDER BY n.nspname, c.relname
