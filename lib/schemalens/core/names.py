"""Names: the one place a name is qualified, shortened and rendered into SQL, Markdown, DOT and Mermaid.

Every name schemalens writes comes from someone else's files (migrations, manifests, planned
documents) or database, so each is hostile: a newline, a quote, a ``$fn$``, a backtick or a
``"]; URL="…`` must come out as part of the name, never as code of the target language. Each target
has one function here, and nothing else in the library renders a name into it:

- SQL identifier: :func:`quote_ident` (and :func:`quote_table` for ``schema.table``), bare only when
  PostgreSQL reads it back unchanged, cut to 63 bytes as PostgreSQL does; a NUL is refused.
- SQL string literal: :func:`quote_literal`, right whatever ``standard_conforming_strings`` says.
- SQL ``--`` comment: :func:`comment`, nothing in it can end the line.
- Dollar-quoted body: :func:`dollar_quote`, with a tag the body does not hold.
- Markdown: :func:`md_code` (inline code), :func:`md_cell` (a table cell), :func:`md_text` (prose).
- DOT: :func:`dot_string` (a quoted ID or label). Mermaid: :func:`mermaid_id`, :func:`mermaid_label`.
- A file or folder name: :func:`path_part`, one component, never ``.``/``..``, no separator or control character.

>>> quote_ident("users"), quote_ident("Users can view"), quote_ident("order"), quote_ident('a"b')
('users', '"Users can view"', '"order"', '"a""b"')
>>> quote_table("public.users"), quote_table("app.My Table"), short("public.users"), short("auth.users")
('public.users', 'app."My Table"', 'users', 'auth.users')
>>> quote_literal("it's"), quote_literal("a\\\\b"), quote_literal(None)
("'it''s'", "E'a\\\\\\\\b'", 'NULL')
>>> comment("x\\nDROP TABLE t; --")
'x\\\\nDROP TABLE t; --'
>>> dollar_quote("SELECT 1", "fn"), dollar_quote("SELECT '$fn$'", "fn")
('$fn$SELECT 1$fn$', "$fn_1$SELECT '$fn$'$fn_1$")
>>> md_code("a`b"), md_cell("a|b"), dot_string('x", URL="javascript:alert(1)')
('``a`b``', 'a\\\\|b', '"x\\\\", URL=\\\\"javascript:alert(1)"')
"""

from __future__ import annotations

import hashlib
import re
import unicodedata

from schemalens.core.errors import InputError

PG_NAMEDATALEN = 63  # bytes of a name PostgreSQL keeps (NAMEDATALEN - 1)

# PostgreSQL's reserved keywords (pg_get_keywords() catcode R and T): never valid as bare names.
# fmt: off
RESERVED = frozenset(
    """all analyse analyze and any array as asc asymmetric both case cast check collate column constraint
    create current_catalog current_date current_role current_time current_timestamp current_user default
    deferrable desc distinct do else end except false fetch for foreign from grant group having in
    initially intersect into lateral leading limit localtime localtimestamp not null offset on only or
    order placing primary references returning select session_user some symmetric system_user table then
    to trailing true union unique user using variadic when where window with authorization binary
    collation concurrently cross current_schema freeze full ilike inner is isnull join left like natural
    notnull outer overlaps right similar tablesample verbose""".split()  # noqa: SIM905
)
# fmt: on
_BARE = re.compile(r"[a-z_][a-z0-9_$]*")
_ESCAPES = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}
# Characters that end or reorder a line for a reader or a parser: controls, format (bidi) characters,
# line and paragraph separators, surrogates.
_INVISIBLE = frozenset(("Cc", "Cf", "Zl", "Zp", "Cs"))


# Names: truncate, qualify, short ------------------------------------------------------------------------


def truncate_identifier(name: str) -> str:
    """Cut an identifier to 63 bytes as PostgreSQL does (never inside a UTF-8 character).

    >>> len(truncate_identifier("x" * 70)), truncate_identifier("é" * 40) == "é" * 31
    (63, True)
    """
    if len(name) <= PG_NAMEDATALEN and name.isascii():  # the usual case, without encoding
        return name
    raw = name.encode("utf-8", "surrogatepass")
    if len(raw) <= PG_NAMEDATALEN:
        return name
    return raw[:PG_NAMEDATALEN].decode("utf-8", "ignore")


def fit_name(head: str, tail: str = "") -> str:
    """``head + tail`` as one identifier within 63 bytes, ``tail`` kept whole: a name too long has ``head`` cut
    (never inside a UTF-8 character) and followed by 8 hex digits of a hash of the whole name, so two long
    names cut alike stay apart and ``name`` and ``name + '_truncate'`` never become one (as ``[:63]`` made them).

    >>> fit_name("mirror_style_cartridges", "_to_cartridges")
    'mirror_style_cartridges_to_cartridges'
    >>> a, b = fit_name("m_" + "x" * 70, "_to_c"), fit_name("m_" + "x" * 69 + "y", "_to_c")
    >>> len(a.encode()), a.endswith("_to_c"), a != b, fit_name("m_" + "x" * 70, "_to_c_truncate") != a
    (63, True, True, True)
    """
    whole = head + tail
    if len(whole.encode("utf-8", "surrogatepass")) <= PG_NAMEDATALEN:
        return whole
    digest = hashlib.sha256(whole.encode("utf-8", "surrogatepass")).hexdigest()[:8]
    room = max(PG_NAMEDATALEN - len(tail.encode("utf-8", "surrogatepass")) - 9, 0)
    cut = head.encode("utf-8", "surrogatepass")[:room].decode("utf-8", "ignore")
    return truncate_identifier(f"{cut}_{digest}{tail}")


def qualify(name: str, schema: str = "public") -> str:
    """``schema.table`` for a table name; already qualified names are kept.

    >>> qualify("users"), qualify("auth.users"), qualify("t", "app")
    ('public.users', 'auth.users', 'app.t')
    """
    return name if "." in name else f"{schema}.{name}"


def relation(name: str) -> str:
    """The table part of ``schema.table`` (which may itself hold dots): ``a.b`` for ``public.a.b``."""
    return qualify(name).partition(".")[2]


def short(name: str | None) -> str:
    """``users`` for ``public.users``; other schemas kept (``""`` for None)."""
    return (name or "").removeprefix("public.")


# SQL ------------------------------------------------------------------------------------------------------


_UNSTORABLE = re.compile("[\0\ud800-\udfff]")


def _storable(text: str, what: str) -> str:
    """``text``, refused when it holds a NUL or a lone surrogate (neither is valid UTF-8 text for PostgreSQL)."""
    if _UNSTORABLE.search(text):
        raise InputError(f"{what} {visible(text)!r} holds a NUL character or a lone surrogate, which "
                         "PostgreSQL cannot store")
    return text


def quote_ident(name: str) -> str:
    """A stored name as a SQL identifier: bare when PostgreSQL reads it back unchanged, else double-quoted.

    Cut to 63 bytes first, as PostgreSQL cuts it (so the SQL names what PostgreSQL stores).
    """
    name = truncate_identifier(_storable(name, "name"))
    if _BARE.fullmatch(name) and name not in RESERVED:
        return name
    return '"' + name.replace('"', '""') + '"'


def quote_table(name: str) -> str:
    """``schema.table`` (``public`` when unqualified) as SQL, each part through :func:`quote_ident`."""
    schema, _, rel = qualify(name).partition(".")
    return f"{quote_ident(schema)}.{quote_ident(rel)}"


def quote_literal(value: str | None) -> str:
    """A text literal (``NULL`` for None) as PostgreSQL's own ``quote_literal``: quotes doubled, and a
    value with a backslash written ``E'…'`` with it doubled, so it reads the same whatever
    ``standard_conforming_strings`` says."""
    if value is None:
        return "NULL"
    text = "'" + _storable(value, "value").replace("'", "''") + "'"
    return "E" + text.replace("\\", "\\\\") if "\\" in value else text


def comment(text: str) -> str:
    """Text for a ``-- …`` comment line: no character in it can end the comment (every control, format
    and line-separator character is written as an escape such as ``\\n``)."""
    return visible(text)


def dollar_quote(body: str, tag: str = "") -> str:
    """``$tag$body$tag$`` with a tag (``tag``, ``tag_1``, …) that cannot end the body early."""
    base = tag
    for n in range(len(body) + 2):
        candidate = base if n == 0 else f"{base}_{n}"
        delim = f"${candidate}$"
        if (body + delim).find(delim) == len(body):
            return f"{delim}{body}{delim}"
    raise AssertionError("unreachable: some tag is always free")  # pragma: no cover


# Human-readable targets -----------------------------------------------------------------------------------


def visible(text: str) -> str:
    """``text`` on one line: each control, format (bidi) or line-separator character as an escape."""
    if text.isprintable():
        return text
    return "".join(_escape(c) if unicodedata.category(c) in _INVISIBLE else c for c in text)


def _escape(c: str) -> str:
    if c in _ESCAPES:
        return _ESCAPES[c]
    n = ord(c)
    return f"\\x{n:02x}" if n < 0x100 else f"\\u{n:04x}" if n < 0x10000 else f"\\U{n:08x}"


def md_code(name: object) -> str:
    """A name as Markdown inline code: fenced with more backticks than it holds, on one line.

    >>> md_code("users"), md_code("``x"), md_code("a\\nb")
    ('`users`', '``` ``x ```', '`a\\\\nb`')
    """
    text = visible("" if name is None else str(name))
    runs = [len(r) for r in re.findall(r"`+", text)]
    fence = "`" * (max(runs, default=0) + 1)
    pad = " " if text.startswith("`") or text.endswith("`") or (text.startswith(" ") and text.endswith(" ")) else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def md_fence(body: str, info: str = "") -> str:
    """A fenced Markdown code block around ``body``: the fence is longer than any backtick run in it, so no
    line of the body (a name with a newline and ```, say) can close it.

    >>> md_fence("SELECT 1", "sql")
    '```sql\\nSELECT 1\\n```'
    >>> md_fence("x\\n````\\n<b>").splitlines()[0]
    '`````'
    """
    fence = "`" * max(3, max((len(r) for r in re.findall(r"`+", body)), default=0) + 1)
    return f"{fence}{info}\n{body}\n{fence}"


def md_cell(text: object) -> str:
    """Markdown (often :func:`md_code`) made safe for a table cell: on one line (whitespace runs as one
    space, other line breaks escaped), ``|`` escaped (GitHub honours ``\\|`` inside code spans in tables).

    >>> md_cell("a |\\n b")
    'a \\\\| b'
    """
    return visible(" ".join(str(text).split())).replace("|", "\\|")


def md_name(name: str | None) -> str:
    """A table as people write it (:func:`short`) in Markdown inline code: ``users`` for ``public.users``."""
    return md_code(short(name))


# Characters that can start Markdown or HTML markup; "_" only where it is not inside a word (CommonMark
# reads an underscore between letters or digits as itself, so ``agency_id`` stays as it is).
_MD_SPECIAL = re.compile(r"[\\`*{}\[\]<>#!|~&]|(?<![^\W_])_|_(?![^\W_])")


def md_text(name: str | None) -> str:
    """A name in Markdown prose or a table cell: markup and HTML characters backslash-escaped, on one line.

    >>> md_text("agency_id"), md_text("_x_ <script>|")
    ('agency_id', '\\\\_x\\\\_ \\\\<script\\\\>\\\\|')
    """
    return _MD_SPECIAL.sub(lambda m: "\\" + m.group(0), visible(name or ""))


def dot_string(text: str) -> str:
    """A DOT quoted string (an ID or a label): ``"`` and ``\\`` escaped, on one line, so nothing in it can
    close the string and add attributes."""
    return '"' + visible(text).replace("\\", "\\\\").replace('"', '\\"') + '"'


def mermaid_id(name: str) -> str:
    """A Mermaid node id: letters, digits and ``_`` kept, ``.`` as ``__``, anything else as ``_xHEX_``.

    >>> mermaid_id("public.users"), mermaid_id('a"]; b')
    ('public__users', 'a_x22__x5d__x3b__x20_b')
    """
    return "".join(c if c.isascii() and (c.isalnum() or c == "_") else "__" if c == "." else f"_x{ord(c):x}_"
                   for c in name)


def mermaid_label(text: str, bare: bool = False) -> str:
    """A quoted Mermaid label: ``"``, ``#``, ``<``, ``>``, ``&``, `` ` ``, ``|`` and brackets as entity codes,
    on one line; with ``bare``, left unquoted when it is only letters, digits, ``_`` and ``,``.

    >>> mermaid_label('a"]; click'), mermaid_label("user_id", bare=True)
    ('"a#34;#93;; click"', 'user_id')
    """
    if bare and re.fullmatch(r"[A-Za-z0-9_,]+", text):
        return text
    out = visible(text)
    for c in "#&\"<>`|[]{}":  # "#" first: the codes written after it hold one
        out = out.replace(c, f"#{ord(c)};")
    return f'"{out}"'


def path_part(name: str) -> str:
    """One file or folder name for ``name``: kept when it is only ASCII letters, digits, ``_``, ``.`` and
    ``-`` (and not ``.`` or ``..``), else every other character as ``-`` and a hash of the whole name after
    it (two names never share a folder), at most 100 bytes.

    >>> path_part("scope-of-api_keys"), path_part("document-table-../../x$$"), path_part("..")
    ('scope-of-api_keys', 'document-table-..-..-x---a4bd6474', '..-5ec1f7e7')
    """
    if re.fullmatch(r"[A-Za-z0-9_.-]{1,100}", name) and name not in (".", ".."):
        return name
    digest = hashlib.sha256(name.encode("utf-8", "surrogatepass")).hexdigest()[:8]
    return re.sub(r"[^A-Za-z0-9_.-]", "-", name)[:90] + "-" + digest


__all__ = [
    "PG_NAMEDATALEN", "RESERVED", "comment", "dollar_quote", "dot_string", "md_cell", "md_code", "md_fence", "md_name", "md_text",
    "mermaid_id", "mermaid_label", "path_part", "qualify", "quote_ident", "quote_literal", "quote_table", "relation", "short",
    "truncate_identifier", "visible",
]
