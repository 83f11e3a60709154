/* pgcrypto--1.3.sql: a schemalens STAND-IN for contrib's pgcrypto 1.3, not its code.

   The embedded PostgreSQL that schemalens starts ships no pgcrypto. This script declares every
   function of pgcrypto 1.3 with the same signature, so migrations that create the extension,
   and functions or defaults that call it, apply. What core PostgreSQL can do works:
     digest(text | bytea, type)  md5, sha224, sha256, sha384, sha512 via core functions; sha1
                                 written out in PL/pgSQL (core has no sha1())
     gen_random_bytes(n)         1 to 1024 bytes from core gen_random_uuid()'s strong random bits
     gen_random_uuid()           core gen_random_uuid()
     hmac(data, key, type)       md5, sha224, sha256, sha384, sha512 (RFC 2104 on core functions)
     gen_salt(type [, rounds])   pgcrypto's salt formats for bf, md5, xdes, des
     crypt(password, salt)       the same output format and round trip as pgcrypto (crypt(p, crypt(p, s))
                                 = crypt(p, s)), but a salted SHA-256: NOT bcrypt or MD5-crypt
   Everything else (encrypt/decrypt, pgp_*, armor) raises
   "pgcrypto stand-in: <fn> is not available on the embedded server; set DATABASE_URL to a
   server with pgcrypto" when called. Bodies are SQL-standard (RETURN ...) or self-contained, so
   the extension stays relocatable. */

\echo Use "CREATE EXTENSION pgcrypto" to load this file. \quit

CREATE FUNCTION digest(bytea, text) RETURNS bytea
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $body$
DECLARE
    m CONSTANT bigint := 4294967295;
    kind CONSTANT text := pg_catalog.lower($2);
    msg bytea;
    w bigint[] := pg_catalog.array_fill(0::bigint, ARRAY[80], ARRAY[0]);
    h0 bigint := 1732584193;
    h1 bigint := 4023233417;
    h2 bigint := 2562383102;
    h3 bigint := 271733878;
    h4 bigint := 3285377520;
    a bigint; b bigint; c bigint; d bigint; e bigint; f bigint; k bigint; t bigint;
BEGIN
    CASE kind
        WHEN 'md5' THEN RETURN pg_catalog.decode(pg_catalog.md5($1), 'hex');
        WHEN 'sha224' THEN RETURN pg_catalog.sha224($1);
        WHEN 'sha256' THEN RETURN pg_catalog.sha256($1);
        WHEN 'sha384' THEN RETURN pg_catalog.sha384($1);
        WHEN 'sha512' THEN RETURN pg_catalog.sha512($1);
        WHEN 'sha1' THEN NULL;
        ELSE RAISE EXCEPTION 'Cannot use "%": No such hash algorithm', $2
                 USING ERRCODE = 'external_routine_invocation_exception',
                       HINT = 'The pgcrypto stand-in knows md5, sha1, sha224, sha256, sha384 and sha512.';
    END CASE;
    -- SHA-1 (FIPS 180-4) on 32-bit words held in bigint.
    msg := $1 || '\x80'::bytea
           || pg_catalog.decode(pg_catalog.repeat('00', (119 - pg_catalog.length($1) % 64) % 64), 'hex')
           || pg_catalog.int8send(pg_catalog.length($1)::bigint * 8);
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
    RETURN pg_catalog.substr(pg_catalog.int8send(h0), 5) || pg_catalog.substr(pg_catalog.int8send(h1), 5)
           || pg_catalog.substr(pg_catalog.int8send(h2), 5) || pg_catalog.substr(pg_catalog.int8send(h3), 5)
           || pg_catalog.substr(pg_catalog.int8send(h4), 5);
END
$body$;

-- The text's bytes in the database encoding, as pgcrypto hashes them. Bound to digest(bytea, text)
-- when created (SQL-standard body), wherever the extension lives.
CREATE FUNCTION digest(text, text) RETURNS bytea
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
RETURN digest(pg_catalog.convert_to($1, pg_catalog.getdatabaseencoding()), $2);

-- Strong random bytes: the 14 fully random bytes of each core version 4 UUID (all but the
-- version and variant bytes 6 and 8).
CREATE FUNCTION gen_random_bytes(integer) RETURNS bytea
LANGUAGE plpgsql VOLATILE STRICT PARALLEL SAFE AS $body$
DECLARE
    result bytea := ''::bytea;
    u bytea;
BEGIN
    IF $1 < 1 OR $1 > 1024 THEN
        RAISE EXCEPTION 'Length not in range' USING ERRCODE = 'external_routine_invocation_exception';
    END IF;
    WHILE pg_catalog.length(result) < $1 LOOP
        u := pg_catalog.uuid_send(pg_catalog.gen_random_uuid());
        result := result || pg_catalog.substr(u, 1, 6) || pg_catalog.substr(u, 8, 1) || pg_catalog.substr(u, 10, 7);
    END LOOP;
    RETURN pg_catalog.substr(result, 1, $1);
END
$body$;

CREATE FUNCTION gen_random_uuid() RETURNS uuid
LANGUAGE sql VOLATILE PARALLEL SAFE
RETURN pg_catalog.gen_random_uuid();

-- Not available: each raises the same clear error when called.

CREATE FUNCTION hmac(bytea, bytea, text) RETURNS bytea
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $body$
DECLARE
    kind CONSTANT text := pg_catalog.lower($3);
    block CONSTANT integer := CASE WHEN kind IN ('sha384', 'sha512') THEN 128 ELSE 64 END;
    k bytea := $2;
    ipad bytea;
    opad bytea;
    inner_hash bytea;
    i integer;
BEGIN
    IF kind NOT IN ('md5', 'sha224', 'sha256', 'sha384', 'sha512') THEN
        RAISE EXCEPTION 'pgcrypto stand-in: hmac() with % is not available (md5, sha224, sha256, sha384, sha512 are)', $3
            USING ERRCODE = 'feature_not_supported';
    END IF;
    IF pg_catalog.length(k) > block THEN
        k := CASE kind WHEN 'md5' THEN pg_catalog.decode(pg_catalog.md5(k), 'hex') WHEN 'sha224' THEN pg_catalog.sha224(k)
                       WHEN 'sha256' THEN pg_catalog.sha256(k) WHEN 'sha384' THEN pg_catalog.sha384(k)
                       ELSE pg_catalog.sha512(k) END;
    END IF;
    k := k || pg_catalog.decode(pg_catalog.repeat('00', block - pg_catalog.length(k)), 'hex');
    ipad := k;
    opad := k;
    FOR i IN 0 .. block - 1 LOOP
        ipad := pg_catalog.set_byte(ipad, i, pg_catalog.get_byte(k, i) # 54);
        opad := pg_catalog.set_byte(opad, i, pg_catalog.get_byte(k, i) # 92);
    END LOOP;
    IF kind = 'md5' THEN
        inner_hash := pg_catalog.decode(pg_catalog.md5(ipad || $1), 'hex');
        RETURN pg_catalog.decode(pg_catalog.md5(opad || inner_hash), 'hex');
    ELSIF kind = 'sha224' THEN
        RETURN pg_catalog.sha224(opad || pg_catalog.sha224(ipad || $1));
    ELSIF kind = 'sha256' THEN
        RETURN pg_catalog.sha256(opad || pg_catalog.sha256(ipad || $1));
    ELSIF kind = 'sha384' THEN
        RETURN pg_catalog.sha384(opad || pg_catalog.sha384(ipad || $1));
    END IF;
    RETURN pg_catalog.sha512(opad || pg_catalog.sha512(ipad || $1));
END
$body$;

CREATE FUNCTION hmac(text, text, text) RETURNS bytea
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
RETURN hmac(pg_catalog.convert_to($1, 'UTF8'), pg_catalog.convert_to($2, 'UTF8'), $3);

-- gen_salt() and crypt() keep pgcrypto's formats and its one property migrations and seeds rely on,
-- crypt(password, crypt(password, salt)) = crypt(password, salt), so stored hashes check; the hash
-- itself is a salted SHA-256, NOT bcrypt or MD5-crypt (a throwaway database needs no real one).

CREATE FUNCTION gen_salt(text, integer) RETURNS text
LANGUAGE plpgsql VOLATILE STRICT PARALLEL SAFE AS $body$
DECLARE
    alphabet CONSTANT text := './ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
    kind CONSTANT text := pg_catalog.lower($1);
    n integer := CASE kind WHEN 'bf' THEN 22 WHEN 'md5' THEN 8 WHEN 'xdes' THEN 4 WHEN 'des' THEN 2 END;
    salt text := '';
    i integer;
BEGIN
    IF n IS NULL THEN
        RAISE EXCEPTION 'gen_salt: Unknown salt algorithm' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    FOR i IN 1 .. n LOOP
        salt := salt || pg_catalog.substr(alphabet, (pg_catalog.get_byte(pg_catalog.uuid_send(pg_catalog.gen_random_uuid()), 0) % 64) + 1, 1);
    END LOOP;
    IF kind = 'bf' THEN
        IF $2 NOT BETWEEN 4 AND 31 THEN
            RAISE EXCEPTION 'gen_salt: Incorrect number of rounds' USING ERRCODE = 'invalid_parameter_value';
        END IF;
        RETURN '$2a$' || pg_catalog.lpad($2::text, 2, '0') || '$' || salt;
    ELSIF kind = 'md5' THEN
        RETURN '$1$' || salt;
    ELSIF kind = 'xdes' THEN
        RETURN '_J9..' || salt;
    END IF;
    RETURN salt;
END
$body$;

CREATE FUNCTION gen_salt(text) RETURNS text
LANGUAGE sql VOLATILE STRICT PARALLEL SAFE
RETURN gen_salt($1, 6);

CREATE FUNCTION crypt(text, text) RETURNS text
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $body$
DECLARE
    alphabet CONSTANT text := './ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
    setting text;
    length integer;
    h bytea;
    out text := '';
    i integer;
BEGIN
    IF $2 ~ '^\$2[abxy]\$[0-9]{2}\$' THEN
        setting := pg_catalog.substr($2, 1, 29);
        length := 31;
    ELSIF $2 ~ '^\$1\$' THEN
        setting := pg_catalog.substring($2, '^\$1\$[^$]{0,8}') || '$';
        length := 22;
    ELSIF $2 ~ '^_' THEN
        setting := pg_catalog.substr($2, 1, 9);
        length := 11;
    ELSE
        setting := pg_catalog.substr($2, 1, 2);
        length := 11;
    END IF;
    h := pg_catalog.sha256(pg_catalog.convert_to(setting || $1, 'UTF8'));
    FOR i IN 0 .. length - 1 LOOP
        out := out || pg_catalog.substr(alphabet, (pg_catalog.get_byte(h, i % 32) # i) % 64 + 1, 1);
    END LOOP;
    RETURN setting || out;
END
$body$;

-- Not available: each raises the same clear error when called.

CREATE FUNCTION encrypt(bytea, bytea, text) RETURNS bytea
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $body$
BEGIN
    RAISE EXCEPTION 'pgcrypto stand-in: encrypt() is not available on the embedded server; set DATABASE_URL to a server with pgcrypto'
        USING ERRCODE = 'feature_not_supported';
END
$body$;

CREATE FUNCTION decrypt(bytea, bytea, text) RETURNS bytea
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $body$
BEGIN
    RAISE EXCEPTION 'pgcrypto stand-in: decrypt() is not available on the embedded server; set DATABASE_URL to a server with pgcrypto'
        USING ERRCODE = 'feature_not_supported';
END
$body$;

CREATE FUNCTION encrypt_iv(bytea, bytea, bytea, text) RETURNS bytea
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $body$
BEGIN
    RAISE EXCEPTION 'pgcrypto stand-in: encrypt_iv() is not available on the embedded server; set DATABASE_URL to a server with pgcrypto'
        USING ERRCODE = 'feature_not_supported';
END
$body$;

CREATE FUNCTION decrypt_iv(bytea, bytea, bytea, text) RETURNS bytea
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $body$
BEGIN
    RAISE EXCEPTION 'pgcrypto stand-in: decrypt_iv() is not available on the embedded server; set DATABASE_URL to a server with pgcrypto'
        USING ERRCODE = 'feature_not_supported';
END
$body$;

CREATE FUNCTION pgp_sym_encrypt(text, text) RETURNS bytea
LANGUAGE plpgsql VOLATILE STRICT PARALLEL SAFE AS $body$
BEGIN
    RAISE EXCEPTION 'pgcrypto stand-in: pgp_sym_encrypt() is not available on the embedded server; set DATABASE_URL to a server with pgcrypto'
        USING ERRCODE = 'feature_not_supported';
END
$body$;

CREATE FUNCTION pgp_sym_encrypt_bytea(bytea, text) RETURNS bytea
LANGUAGE plpgsql VOLATILE STRICT PARALLEL SAFE AS $body$
BEGIN
    RAISE EXCEPTION 'pgcrypto stand-in: pgp_sym_encrypt_bytea() is not available on the embedded server; set DATABASE_URL to a server with pgcrypto'
        USING ERRCODE = 'feature_not_supported';
END
$body$;

CREATE FUNCTION pgp_sym_encrypt(text, text, text) RETURNS bytea
LANGUAGE plpgsql VOLATILE STRICT PARALLEL SAFE AS $body$
BEGIN
    RAISE EXCEPTION 'pgcrypto stand-in: pgp_sym_encrypt() is not available on the embedded server; set DATABASE_URL to a server with pgcrypto'
        USING ERRCODE = 'feature_not_supported';
END
$body$;

CREATE FUNCTION pgp_sym_encrypt_bytea(bytea, text, text) RETURNS bytea
LANGUAGE plpgsql VOLATILE STRICT PARALLEL SAFE AS $body$
BEGIN
    RAISE EXCEPTION 'pgcrypto stand-in: pgp_sym_encrypt_bytea() is not available on the embedded server; set DATABASE_URL to a server with pgcrypto'
        USING ERRCODE = 'feature_not_supported';
END
$body$;

CREATE FUNCTION pgp_sym_decrypt(bytea, text) RETURNS text
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $body$
BEGIN
    RAISE EXCEPTION 'pgcrypto stand-in: pgp_sym_decrypt() is not available on the embedded server; set DATABASE_URL to a server with pgcrypto'
        USING ERRCODE = 'feature_not_supported';
END
$body$;

CREATE FUNCTION pgp_sym_decrypt_bytea(bytea, text) RETURNS bytea
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $body$
BEGIN
    RAISE EXCEPTION 'pgcrypto stand-in: pgp_sym_decrypt_bytea() is not available on the embedded server; set DATABASE_URL to a server with pgcrypto'
        USING ERRCODE = 'feature_not_supported';
END
$body$;

CREATE FUNCTION pgp_sym_decrypt(bytea, text, text) RETURNS text
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $body$
BEGIN
    RAISE EXCEPTION 'pgcrypto stand-in: pgp_sym_decrypt() is not available on the embedded server; set DATABASE_URL to a server with pgcrypto'
        USING ERRCODE = 'feature_not_supported';
END
$body$;

CREATE FUNCTION pgp_sym_decrypt_bytea(bytea, text, text) RETURNS bytea
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $body$
BEGIN
    RAISE EXCEPTION 'pgcrypto stand-in: pgp_sym_decrypt_bytea() is not available on the embedded server; set DATABASE_URL to a server with pgcrypto'
        USING ERRCODE = 'feature_not_supported';
END
$body$;

CREATE FUNCTION pgp_pub_encrypt(text, bytea) RETURNS bytea
LANGUAGE plpgsql VOLATILE STRICT PARALLEL SAFE AS $body$
BEGIN
    RAISE EXCEPTION 'pgcrypto stand-in: pgp_pub_encrypt() is not available on the embedded server; set DATABASE_URL to a server with pgcrypto'
        USING ERRCODE = 'feature_not_supported';
END
$body$;

CREATE FUNCTION pgp_pub_encrypt_bytea(bytea, bytea) RETURNS bytea
LANGUAGE plpgsql VOLATILE STRICT PARALLEL SAFE AS $body$
BEGIN
    RAISE EXCEPTION 'pgcrypto stand-in: pgp_pub_encrypt_bytea() is not available on the embedded server; set DATABASE_URL to a server with pgcrypto'
        USING ERRCODE = 'feature_not_supported';
END
$body$;

CREATE FUNCTION pgp_pub_encrypt(text, bytea, text) RETURNS bytea
LANGUAGE plpgsql VOLATILE STRICT PARALLEL SAFE AS $body$
BEGIN
    RAISE EXCEPTION 'pgcrypto stand-in: pgp_pub_encrypt() is not available on the embedded server; set DATABASE_URL to a server with pgcrypto'
        USING ERRCODE = 'feature_not_supported';
END
$body$;

CREATE FUNCTION pgp_pub_encrypt_bytea(bytea, bytea, text) RETURNS bytea
LANGUAGE plpgsql VOLATILE STRICT PARALLEL SAFE AS $body$
BEGIN
    RAISE EXCEPTION 'pgcrypto stand-in: pgp_pub_encrypt_bytea() is not available on the embedded server; set DATABASE_URL to a server with pgcrypto'
        USING ERRCODE = 'feature_not_supported';
END
$body$;

CREATE FUNCTION pgp_pub_decrypt(bytea, bytea) RETURNS text
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $body$
BEGIN
    RAISE EXCEPTION 'pgcrypto stand-in: pgp_pub_decrypt() is not available on the embedded server; set DATABASE_URL to a server with pgcrypto'
        USING ERRCODE = 'feature_not_supported';
END
$body$;

CREATE FUNCTION pgp_pub_decrypt_bytea(bytea, bytea) RETURNS bytea
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $body$
BEGIN
    RAISE EXCEPTION 'pgcrypto stand-in: pgp_pub_decrypt_bytea() is not available on the embedded server; set DATABASE_URL to a server with pgcrypto'
        USING ERRCODE = 'feature_not_supported';
END
$body$;

CREATE FUNCTION pgp_pub_decrypt(bytea, bytea, text) RETURNS text
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $body$
BEGIN
    RAISE EXCEPTION 'pgcrypto stand-in: pgp_pub_decrypt() is not available on the embedded server; set DATABASE_URL to a server with pgcrypto'
        USING ERRCODE = 'feature_not_supported';
END
$body$;

CREATE FUNCTION pgp_pub_decrypt_bytea(bytea, bytea, text) RETURNS bytea
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $body$
BEGIN
    RAISE EXCEPTION 'pgcrypto stand-in: pgp_pub_decrypt_bytea() is not available on the embedded server; set DATABASE_URL to a server with pgcrypto'
        USING ERRCODE = 'feature_not_supported';
END
$body$;

CREATE FUNCTION pgp_pub_decrypt(bytea, bytea, text, text) RETURNS text
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $body$
BEGIN
    RAISE EXCEPTION 'pgcrypto stand-in: pgp_pub_decrypt() is not available on the embedded server; set DATABASE_URL to a server with pgcrypto'
        USING ERRCODE = 'feature_not_supported';
END
$body$;

CREATE FUNCTION pgp_pub_decrypt_bytea(bytea, bytea, text, text) RETURNS bytea
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $body$
BEGIN
    RAISE EXCEPTION 'pgcrypto stand-in: pgp_pub_decrypt_bytea() is not available on the embedded server; set DATABASE_URL to a server with pgcrypto'
        USING ERRCODE = 'feature_not_supported';
END
$body$;

CREATE FUNCTION pgp_key_id(bytea) RETURNS text
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $body$
BEGIN
    RAISE EXCEPTION 'pgcrypto stand-in: pgp_key_id() is not available on the embedded server; set DATABASE_URL to a server with pgcrypto'
        USING ERRCODE = 'feature_not_supported';
END
$body$;

CREATE FUNCTION armor(bytea) RETURNS text
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $body$
BEGIN
    RAISE EXCEPTION 'pgcrypto stand-in: armor() is not available on the embedded server; set DATABASE_URL to a server with pgcrypto'
        USING ERRCODE = 'feature_not_supported';
END
$body$;

CREATE FUNCTION armor(bytea, text[], text[]) RETURNS text
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $body$
BEGIN
    RAISE EXCEPTION 'pgcrypto stand-in: armor() is not available on the embedded server; set DATABASE_URL to a server with pgcrypto'
        USING ERRCODE = 'feature_not_supported';
END
$body$;

CREATE FUNCTION dearmor(text) RETURNS bytea
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $body$
BEGIN
    RAISE EXCEPTION 'pgcrypto stand-in: dearmor() is not available on the embedded server; set DATABASE_URL to a server with pgcrypto'
        USING ERRCODE = 'feature_not_supported';
END
$body$;

CREATE FUNCTION pgp_armor_headers(text, OUT key text, OUT value text) RETURNS SETOF record
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $body$
BEGIN
    RAISE EXCEPTION 'pgcrypto stand-in: pgp_armor_headers() is not available on the embedded server; set DATABASE_URL to a server with pgcrypto'
        USING ERRCODE = 'feature_not_supported';
END
$body$;
