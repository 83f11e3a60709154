"""Where each statement of a file starts and what its text is, for evidence excerpts: what
:func:`schemalens.read.parse.split_and_parse` gives as ``(st.source.line, st.text)``, from the split alone
(sqlglot's tokenizer, no parser: a statement's text and line are its piece's, whatever the parser makes of
it). A report cites a few files; parsing each of them again for an excerpt cost more than the excerpt.

Kept between runs by the file's name and content (one small entry per file, in the persistent cache of
:mod:`schemalens.read.cache`, under the versions of schemalens's code and sqlglot), so a warm
``schemalens report`` imports no sqlglot for its excerpts.

>>> import os, tempfile; os.environ["XDG_CACHE_HOME"] = tempfile.mkdtemp()
>>> spans("1.sql", "CREATE TABLE t (id int);\\n\\nCREATE INDEX i ON t (id);\\n")
((1, 'CREATE TABLE t (id int)'), (3, 'CREATE INDEX i ON t (id)'))
"""

from __future__ import annotations

import hashlib

from schemalens.read import cache

_KIND = "spans"

Span = tuple[int, str]  # the statement's first line, its text (no ";")

_SEEN: dict[bytes, tuple[Span, ...]] = {}  # in this process, by name and content


def split_spans(text: str, file: str) -> tuple[Span, ...]:
    """The line and text of every statement of a file, as :func:`schemalens.read.parse.split_and_parse`
    splits it (supabase/auth's templates rendered first)."""
    from schemalens.read.platform import render_templates
    from schemalens.read.split import split  # sqlglot's tokenizer: imported on a miss only

    return tuple((p.line, p.text) for p in split(render_templates(text), file))


def spans(file: str, text: str) -> tuple[Span, ...]:
    """The spans of ``file`` (its ``text``): from this process, else the persistent cache, else split."""
    digest = hashlib.sha256(f"{file}\0{text}".encode("utf-8", "surrogatepass")).digest()
    found = _SEEN.get(digest)
    if found is None:
        entry = cache.key([digest])
        found = cache.get(_KIND, entry)
        if not isinstance(found, tuple):
            found = split_spans(text, file)
            cache.put(_KIND, entry, found)
        if len(_SEEN) > 256:
            _SEEN.clear()
        _SEEN[digest] = found
    return found


__all__ = ["Span", "spans", "split_spans"]
