/* pg_net--0.14.0.sql: a schemalens STAND-IN for Supabase's pg_net, not its code.

   Schema net with pg_net's types, tables and functions (same names and signatures): http_get,
   http_post and http_delete queue the request in net.http_request_queue and return its id, as pg_net
   does; no background worker sends it, so net._http_response stays empty and _http_collect_response
   answers PENDING. */

\echo Use "CREATE EXTENSION pg_net" to load this file. \quit

DO $schema$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_namespace WHERE nspname = 'net') THEN
        CREATE SCHEMA net;  -- a schema that exists already (created by a migration) is used as it is
    END IF;
END
$schema$;

CREATE TYPE net.request_status AS ENUM ('PENDING', 'SUCCESS', 'ERROR');
CREATE TYPE net.http_response AS (status_code integer, headers jsonb, body text);
CREATE TYPE net.http_response_result AS (status net.request_status, message text, response net.http_response);

CREATE UNLOGGED TABLE net.http_request_queue (
    id bigserial NOT NULL,
    method text NOT NULL,
    url text NOT NULL,
    headers jsonb NOT NULL,
    body bytea,
    timeout_milliseconds integer NOT NULL
);

CREATE UNLOGGED TABLE net._http_response (
    id bigint,
    status_code integer,
    content_type text,
    headers jsonb,
    content text,
    timed_out boolean,
    error_msg text,
    created timestamptz NOT NULL DEFAULT now()
);

CREATE FUNCTION net._enqueue(method text, url text, headers jsonb, body bytea, timeout_milliseconds integer)
RETURNS bigint
LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = net AS $$
    INSERT INTO net.http_request_queue (method, url, headers, body, timeout_milliseconds)
    VALUES (method, url, headers, body, timeout_milliseconds) RETURNING id
$$;

CREATE FUNCTION net.http_get(url text, params jsonb DEFAULT '{}'::jsonb, headers jsonb DEFAULT '{}'::jsonb,
                             timeout_milliseconds integer DEFAULT 5000) RETURNS bigint
LANGUAGE sql VOLATILE AS $$ SELECT net._enqueue('GET', url, headers, NULL, timeout_milliseconds) $$;

CREATE FUNCTION net.http_post(url text, body jsonb DEFAULT '{}'::jsonb, params jsonb DEFAULT '{}'::jsonb,
                              headers jsonb DEFAULT '{"Content-Type": "application/json"}'::jsonb,
                              timeout_milliseconds integer DEFAULT 5000) RETURNS bigint
LANGUAGE sql VOLATILE AS $$
    SELECT net._enqueue('POST', url, headers, convert_to(body::text, 'UTF8'), timeout_milliseconds)
$$;

CREATE FUNCTION net.http_delete(url text, params jsonb DEFAULT '{}'::jsonb, headers jsonb DEFAULT '{}'::jsonb,
                                timeout_milliseconds integer DEFAULT 5000) RETURNS bigint
LANGUAGE sql VOLATILE AS $$ SELECT net._enqueue('DELETE', url, headers, NULL, timeout_milliseconds) $$;

CREATE FUNCTION net._http_collect_response(request_id bigint, async boolean DEFAULT true)
RETURNS net.http_response_result
LANGUAGE sql VOLATILE AS $$
    SELECT ROW('PENDING', 'request is queued: the pg_net stand-in sends nothing', NULL)::net.http_response_result
$$;

CREATE FUNCTION net.http_collect_response(request_id bigint, async boolean DEFAULT true)
RETURNS net.http_response_result
LANGUAGE sql VOLATILE AS $$ SELECT net._http_collect_response(request_id, async) $$;
