/* uuid-ossp--1.1.sql: a schemalens STAND-IN for contrib's uuid-ossp 1.1, not its code.

   The embedded PostgreSQL that schemalens starts ships no uuid-ossp. This script gives the same
   functions in pure SQL on core PostgreSQL:
     uuid_nil(), uuid_ns_dns(), uuid_ns_url(), uuid_ns_oid(), uuid_ns_x500()   constants
     uuid_generate_v4()          core gen_random_uuid()
     uuid_generate_v3(ns, name)  MD5 name-based (RFC 4122), via core md5()
     uuid_generate_v5(ns, name)  SHA-1 name-based (RFC 4122); core has no sha1(), so SHA-1 is
                                 written out in PL/pgSQL below
     uuid_generate_v1(), uuid_generate_v1mc()
                                 time-based; the node is random with the multicast bit set (as
                                 v1mc does), never the host's MAC address
   Bodies are SQL-standard (RETURN ...) or self-contained, so the extension stays relocatable. */

\echo Use "CREATE EXTENSION ""uuid-ossp""" to load this file. \quit

CREATE FUNCTION uuid_nil() RETURNS uuid
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
RETURN '00000000-0000-0000-0000-000000000000'::pg_catalog.uuid;

CREATE FUNCTION uuid_ns_dns() RETURNS uuid
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
RETURN '6ba7b810-9dad-11d1-80b4-00c04fd430c8'::pg_catalog.uuid;

CREATE FUNCTION uuid_ns_url() RETURNS uuid
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
RETURN '6ba7b811-9dad-11d1-80b4-00c04fd430c8'::pg_catalog.uuid;

CREATE FUNCTION uuid_ns_oid() RETURNS uuid
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
RETURN '6ba7b812-9dad-11d1-80b4-00c04fd430c8'::pg_catalog.uuid;

CREATE FUNCTION uuid_ns_x500() RETURNS uuid
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
RETURN '6ba7b814-9dad-11d1-80b4-00c04fd430c8'::pg_catalog.uuid;

CREATE FUNCTION uuid_generate_v4() RETURNS uuid
LANGUAGE sql VOLATILE STRICT PARALLEL SAFE
RETURN pg_catalog.gen_random_uuid();

-- Time-based: 60-bit count of 100 ns since 1582-10-15, random 14-bit clock sequence, random
-- 48-bit node with the multicast bit set. The random bits come from the fully random bytes of a
-- version 4 UUID (bytes 0-1 and 9-14).
CREATE FUNCTION uuid_generate_v1mc() RETURNS uuid
LANGUAGE sql VOLATILE STRICT PARALLEL SAFE
RETURN (
    SELECT (pg_catalog.lpad(pg_catalog.to_hex(t & 4294967295), 8, '0') || '-'
            || pg_catalog.lpad(pg_catalog.to_hex((t >> 32) & 65535), 4, '0') || '-'
            || pg_catalog.lpad(pg_catalog.to_hex(((t >> 48) & 4095) | 4096), 4, '0') || '-'
            || pg_catalog.lpad(pg_catalog.to_hex((((pg_catalog.get_byte(r, 0) << 8) | pg_catalog.get_byte(r, 1)) & 16383) | 32768), 4, '0') || '-'
            || pg_catalog.encode(pg_catalog.set_byte(pg_catalog.substr(r, 10, 6), 0,
                                                     pg_catalog.get_byte(r, 9) | 1), 'hex')
           )::pg_catalog.uuid
    FROM (SELECT (EXTRACT(EPOCH FROM pg_catalog.clock_timestamp()) * 10000000)::bigint
                 + 122192928000000000 AS t,
                 pg_catalog.uuid_send(pg_catalog.gen_random_uuid()) AS r) AS s
);

CREATE FUNCTION uuid_generate_v1() RETURNS uuid
LANGUAGE sql VOLATILE STRICT PARALLEL SAFE
RETURN uuid_generate_v1mc();

-- Name-based, MD5: md5(namespace bytes || name bytes), version 3, RFC 4122 variant.
CREATE FUNCTION uuid_generate_v3(namespace uuid, name text) RETURNS uuid
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
RETURN (
    SELECT pg_catalog.encode(
               pg_catalog.set_byte(pg_catalog.set_byte(h, 6, (pg_catalog.get_byte(h, 6) & 15) | 48),
                                   8, (pg_catalog.get_byte(h, 8) & 63) | 128), 'hex')::pg_catalog.uuid
    FROM (SELECT pg_catalog.decode(pg_catalog.md5(pg_catalog.uuid_send(namespace)
                   || pg_catalog.convert_to(name, pg_catalog.getdatabaseencoding())), 'hex') AS h) AS s
);

-- Name-based, SHA-1: the first 16 bytes of sha1(namespace bytes || name bytes), version 5.
CREATE FUNCTION uuid_generate_v5(namespace uuid, name text) RETURNS uuid
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $body$
DECLARE
    m CONSTANT bigint := 4294967295;
    data CONSTANT bytea := pg_catalog.uuid_send(namespace)
                           || pg_catalog.convert_to(name, pg_catalog.getdatabaseencoding());
    msg bytea;
    w bigint[] := pg_catalog.array_fill(0::bigint, ARRAY[80], ARRAY[0]);
    h0 bigint := 1732584193;
    h1 bigint := 4023233417;
    h2 bigint := 2562383102;
    h3 bigint := 271733878;
    h4 bigint := 3285377520;
    a bigint; b bigint; c bigint; d bigint; e bigint; f bigint; k bigint; t bigint;
    hash bytea;
BEGIN
    -- SHA-1 (FIPS 180-4) on 32-bit words held in bigint.
    msg := data || '\x80'::bytea
           || pg_catalog.decode(pg_catalog.repeat('00', (119 - pg_catalog.length(data) % 64) % 64), 'hex')
           || pg_catalog.int8send(pg_catalog.length(data)::bigint * 8);
    FOR off IN 0 .. pg_catalog.length(msg) - 1 BY 64 LOOP
        FOR i IN 0 .. 15 LOOP
            w[i] := (pg_catalog.get_byte(msg, off + 4 * i)::bigint << 24)
                    | (pg_catalog.get_byte(msg, off + 4 * i + 1)::bigint << 16)
                    | (pg_catalog.get_byte(msg, off + 4 * i + 2)::bigint << 8)
                    | pg_catalog.get_byte(msg, off + 4 * i + 3)::bigint;
        END LOOP;
        FOR i IN 16 .. 79 LOOP
            t := w[i - 3] # w[i - 8] # w[i - 14] # w[i - 16];
            w[i] := ((t << 1) | (t >> 31)) & m;
        END LOOP;
        a := h0; b := h1; c := h2; d := h3; e := h4;
        FOR i IN 0 .. 79 LOOP
            IF i < 20 THEN f := (b & c) | ((b # m) & d); k := 1518500249;
            ELSIF i < 40 THEN f := b # c # d; k := 1859775393;
            ELSIF i < 60 THEN f := (b & c) | (b & d) | (c & d); k := 2400959708;
            ELSE f := b # c # d; k := 3395469782;
            END IF;
            t := ((((a << 5) | (a >> 27)) & m) + f + e + k + w[i]) & m;
            e := d; d := c; c := ((b << 30) | (b >> 2)) & m; b := a; a := t;
        END LOOP;
        h0 := (h0 + a) & m; h1 := (h1 + b) & m; h2 := (h2 + c) & m;
        h3 := (h3 + d) & m; h4 := (h4 + e) & m;
    END LOOP;
    hash := pg_catalog.substr(pg_catalog.int8send(h0), 5) || pg_catalog.substr(pg_catalog.int8send(h1), 5)
            || pg_catalog.substr(pg_catalog.int8send(h2), 5) || pg_catalog.substr(pg_catalog.int8send(h3), 5);
    hash := pg_catalog.set_byte(hash, 6, (pg_catalog.get_byte(hash, 6) & 15) | 80);
    hash := pg_catalog.set_byte(hash, 8, (pg_catalog.get_byte(hash, 8) & 63) | 128);
    RETURN pg_catalog.encode(hash, 'hex')::pg_catalog.uuid;
END
$body$;
