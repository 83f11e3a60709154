-- schemalens: row level security policies on any table outside the system schemas (a policy a
-- migration puts on storage.objects counts), with their roles (oid 0 is PUBLIC) and
-- USING / WITH CHECK predicates as pg_get_expr prints them; the oids in %(excluded)s are left out.
SELECT po.oid,
       n.nspname AS schema,
       c.relname AS table_name,
       po.polname AS name,
       po.polcmd AS command,
       po.polpermissive AS permissive,
       ARRAY(SELECT CASE WHEN pr.roleid = 0 THEN 'public' ELSE r.rolname END
             FROM pg_catalog.unnest(po.polroles) WITH ORDINALITY AS pr(roleid, pos)
             LEFT JOIN pg_catalog.pg_roles r ON r.oid = pr.roleid
             ORDER BY pr.pos) AS roles,
       pg_catalog.pg_get_expr(po.polqual, po.polrelid) AS using,
       pg_catalog.pg_get_expr(po.polwithcheck, po.polrelid) AS with_check
FROM pg_catalog.pg_policy po
JOIN pg_catalog.pg_class c ON c.oid = po.polrelid
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast')
  AND po.oid <> ALL (%(excluded)s::oid[])
ORDER BY n.nspname, c.relname, po.polname
