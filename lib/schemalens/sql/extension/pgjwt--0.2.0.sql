/* pgjwt--0.2.0.sql: a schemalens STAND-IN for pgjwt 0.2.0, not its code.

   The same functions and signatures, in the schema the extension is created in, written as pgjwt
   writes them: sign(), verify(), url_encode(), url_decode() and try_cast_double() work (HS256, HS384,
   HS512 through pgcrypto's hmac(), which the pgcrypto stand-in provides). */

\echo Use "CREATE EXTENSION pgjwt" to load this file. \quit

CREATE FUNCTION @extschema@.url_encode(data bytea) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    SELECT translate(encode(data, 'base64'), E'+/=\n', '-_')
$$;

CREATE FUNCTION @extschema@.url_decode(data text) RETURNS bytea
LANGUAGE sql IMMUTABLE AS $$
    WITH t AS (SELECT translate(data, '-_', '+/') AS trans),
         rem AS (SELECT length(t.trans) % 4 AS remainder FROM t)
    SELECT decode(t.trans || CASE WHEN rem.remainder > 0 THEN repeat('=', 4 - rem.remainder) ELSE '' END, 'base64')
    FROM t, rem
$$;

CREATE FUNCTION @extschema@.algorithm_sign(signables text, secret text, algorithm text) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    WITH alg AS (SELECT CASE WHEN algorithm = 'HS256' THEN 'sha256' WHEN algorithm = 'HS384' THEN 'sha384'
                             WHEN algorithm = 'HS512' THEN 'sha512' ELSE '' END AS id)
    SELECT @extschema@.url_encode(@extschema@.hmac(signables, secret, alg.id)) FROM alg
$$;

CREATE FUNCTION @extschema@.sign(payload json, secret text, algorithm text DEFAULT 'HS256') RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    WITH header AS (SELECT @extschema@.url_encode(convert_to('{"alg":"' || algorithm || '","typ":"JWT"}', 'utf8')) AS data),
         payload AS (SELECT @extschema@.url_encode(convert_to(payload::text, 'utf8')) AS data),
         signables AS (SELECT header.data || '.' || payload.data AS data FROM header, payload)
    SELECT signables.data || '.' || @extschema@.algorithm_sign(signables.data, secret, algorithm) FROM signables
$$;

CREATE FUNCTION @extschema@.try_cast_double(inp text) RETURNS double precision
LANGUAGE plpgsql IMMUTABLE AS $$
BEGIN
    BEGIN
        RETURN inp::double precision;
    EXCEPTION WHEN OTHERS THEN
        RETURN NULL;
    END;
END
$$;

CREATE FUNCTION @extschema@.verify(token text, secret text, algorithm text DEFAULT 'HS256')
RETURNS TABLE (header json, payload json, valid boolean)
LANGUAGE sql IMMUTABLE AS $$
    SELECT jwt.header AS header, jwt.payload AS payload,
           jwt.signature_ok AND tstzrange(to_timestamp(@extschema@.try_cast_double(jwt.payload->>'nbf')),
                                          to_timestamp(@extschema@.try_cast_double(jwt.payload->>'exp')))
                                @> CURRENT_TIMESTAMP AS valid
    FROM (SELECT convert_from(@extschema@.url_decode(r[1]), 'utf8')::json AS header,
                 convert_from(@extschema@.url_decode(r[2]), 'utf8')::json AS payload,
                 r[3] = @extschema@.algorithm_sign(r[1] || '.' || r[2], secret, algorithm) AS signature_ok
          FROM regexp_split_to_array(token, '\.') r) jwt
$$;
