/* http--1.6.sql: a schemalens STAND-IN for pgsql-http 1.6, not its code.

   The same domains, types and function signatures, in the schema the extension is created in.
   http_header() and urlencode() work; every function that would make a request raises
   "http stand-in: no requests are made", as the throwaway server makes none. */

\echo Use "CREATE EXTENSION http" to load this file. \quit

CREATE DOMAIN @extschema@.http_method AS text
    CHECK (VALUE ILIKE ANY (ARRAY['get', 'post', 'put', 'delete', 'patch', 'head']));
CREATE DOMAIN @extschema@.content_type AS text CHECK (VALUE ~ '^\S+\/\S+');
CREATE TYPE @extschema@.http_header AS (field varchar, value varchar);
CREATE TYPE @extschema@.http_response AS (status integer, content_type varchar,
                                          headers @extschema@.http_header[], content varchar);
CREATE TYPE @extschema@.http_request AS (method @extschema@.http_method, uri varchar,
                                         headers @extschema@.http_header[], content_type varchar, content varchar);

CREATE FUNCTION @extschema@.http(request @extschema@.http_request) RETURNS @extschema@.http_response
LANGUAGE plpgsql VOLATILE AS $$
BEGIN
    RAISE EXCEPTION 'http stand-in: no requests are made (% %)', request.method, request.uri
        USING ERRCODE = 'feature_not_supported';
END
$$;

CREATE FUNCTION @extschema@.http_header(field varchar, value varchar) RETURNS @extschema@.http_header
LANGUAGE sql IMMUTABLE AS $$ SELECT ROW(field, value)::@extschema@.http_header $$;

CREATE FUNCTION @extschema@.urlencode(string varchar) RETURNS text
LANGUAGE sql IMMUTABLE STRICT AS $$
    SELECT string_agg(CASE WHEN b ~ '^[A-Za-z0-9._~-]$' THEN b
                           ELSE (SELECT string_agg('%' || upper(encode(substring(convert_to(b, 'UTF8') FROM i FOR 1), 'hex')), '')
                                 FROM generate_series(1, octet_length(convert_to(b, 'UTF8'))) AS i) END, '' ORDER BY n)
    FROM regexp_split_to_table(string, '') WITH ORDINALITY AS c(b, n)
$$;

CREATE FUNCTION @extschema@.urlencode(data jsonb) RETURNS text
LANGUAGE sql IMMUTABLE STRICT AS $$
    SELECT string_agg(@extschema@.urlencode(key) || '=' || @extschema@.urlencode(value), '&')
    FROM jsonb_each_text(data)
$$;

CREATE FUNCTION @extschema@.http_get(uri varchar) RETURNS @extschema@.http_response
LANGUAGE sql VOLATILE AS $$ SELECT @extschema@.http(('GET', uri, NULL, NULL, NULL)::@extschema@.http_request) $$;
CREATE FUNCTION @extschema@.http_get(uri varchar, data jsonb) RETURNS @extschema@.http_response
LANGUAGE sql VOLATILE AS $$ SELECT @extschema@.http(('GET', uri, NULL, NULL, NULL)::@extschema@.http_request) $$;
CREATE FUNCTION @extschema@.http_post(uri varchar, content varchar, content_type varchar) RETURNS @extschema@.http_response
LANGUAGE sql VOLATILE AS $$ SELECT @extschema@.http(('POST', uri, NULL, content_type, content)::@extschema@.http_request) $$;
CREATE FUNCTION @extschema@.http_post(uri varchar, data jsonb) RETURNS @extschema@.http_response
LANGUAGE sql VOLATILE AS $$ SELECT @extschema@.http(('POST', uri, NULL, NULL, NULL)::@extschema@.http_request) $$;
CREATE FUNCTION @extschema@.http_put(uri varchar, content varchar, content_type varchar) RETURNS @extschema@.http_response
LANGUAGE sql VOLATILE AS $$ SELECT @extschema@.http(('PUT', uri, NULL, content_type, content)::@extschema@.http_request) $$;
CREATE FUNCTION @extschema@.http_patch(uri varchar, content varchar, content_type varchar) RETURNS @extschema@.http_response
LANGUAGE sql VOLATILE AS $$ SELECT @extschema@.http(('PATCH', uri, NULL, content_type, content)::@extschema@.http_request) $$;
CREATE FUNCTION @extschema@.http_delete(uri varchar) RETURNS @extschema@.http_response
LANGUAGE sql VOLATILE AS $$ SELECT @extschema@.http(('DELETE', uri, NULL, NULL, NULL)::@extschema@.http_request) $$;
CREATE FUNCTION @extschema@.http_delete(uri varchar, content varchar, content_type varchar) RETURNS @extschema@.http_response
LANGUAGE sql VOLATILE AS $$ SELECT @extschema@.http(('DELETE', uri, NULL, content_type, content)::@extschema@.http_request) $$;
CREATE FUNCTION @extschema@.http_head(uri varchar) RETURNS @extschema@.http_response
LANGUAGE sql VOLATILE AS $$ SELECT @extschema@.http(('HEAD', uri, NULL, NULL, NULL)::@extschema@.http_request) $$;
CREATE FUNCTION @extschema@.http_set_curlopt(curlopt varchar, value varchar) RETURNS boolean
LANGUAGE sql VOLATILE AS $$ SELECT true $$;
CREATE FUNCTION @extschema@.http_reset_curlopt() RETURNS boolean
LANGUAGE sql VOLATILE AS $$ SELECT true $$;
