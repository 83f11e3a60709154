/* pg_graphql--1.5.11.sql: a schemalens STAND-IN for pg_graphql 1.5.11, not its code.

   Schemas graphql and graphql_public with resolve() and graphql() (same signatures); they answer
   every query with a GraphQL error saying the stand-in resolves nothing. */

\echo Use "CREATE EXTENSION pg_graphql" to load this file. \quit

DO $schema$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_namespace WHERE nspname = 'graphql') THEN
        CREATE SCHEMA graphql;  -- a schema that exists already (created by a migration) is used as it is
    END IF;
END
$schema$;
DO $schema$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_namespace WHERE nspname = 'graphql_public') THEN
        CREATE SCHEMA graphql_public;  -- a schema that exists already (created by a migration) is used as it is
    END IF;
END
$schema$;

CREATE FUNCTION graphql.resolve(query text, variables jsonb DEFAULT '{}', "operationName" text DEFAULT NULL,
                                extensions jsonb DEFAULT NULL) RETURNS jsonb
LANGUAGE sql STABLE AS $$
    SELECT jsonb_build_object('data', NULL, 'errors',
                              jsonb_build_array(jsonb_build_object('message', 'pg_graphql stand-in: nothing is resolved')))
$$;

CREATE FUNCTION graphql_public.graphql("operationName" text DEFAULT NULL, query text DEFAULT NULL,
                                       variables jsonb DEFAULT NULL, extensions jsonb DEFAULT NULL) RETURNS jsonb
LANGUAGE sql STABLE AS $$ SELECT graphql.resolve(query, coalesce(variables, '{}'), "operationName", extensions) $$;
