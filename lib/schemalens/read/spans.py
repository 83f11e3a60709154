"""Where each statement of a file starts and what its text is, for evidence excerpts: what
:func:`schemalens.read.parse.split_and_parse` gives as ``(st.source.line, st.text)``, from the split alone
(sqlglot's tokenizer, no parser: a statement's text and line are its piece's, whatever the parser makes of
it; equal on the 14 real-world folders and the samples). A report cites a few files; parsing each of them
again for an excerpt cost more than the excerpt (lago's 2,684-statement file: 0.3 s).

Kept between runs by each file's name and content, one entry per folder (by its resolved path, in the
persistent cache of :mod:`schemalens.read.cache`, so also under the versions of schemalens's code and
sqlglot, like :mod:`schemalens.read.marks`): a warm ``schemalens report`` splits nothing. Concurrent runs may
overwrite each other's entry: every value is a function of the name and text it is filed under, so that
costs a recomputation, never a wrong excerpt.

>>> import os, tempfile; os.environ["XDG_CACHE_HOME"] = tempfile.mkdtemp()
>>> folder = tempfile.mkdtemp()
>>> spans = Spans(folder)
>>> spans.of("1.sql", "CREATE TABLE t (id int);\\n\\nCREATE INDEX i ON t (id);\\n")
((1, 'CREATE TABLE t (id int)'), (3, 'CREATE INDEX i ON t (id)'))
>>> spans.save(); len(Spans(folder).known())
1
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from schemalens.read import cache

_KIND = "spans"

Span = tuple[int, str]  # the statement's first line, its text (no ";")


def split_spans(text: str, file: str) -> tuple[Span, ...]:
    """The line and text of every statement of a file, as :func:`schemalens.read.parse.split_and_parse`
    splits it (supabase/auth's templates rendered first)."""
    from schemalens.read.platform import render_templates
    from schemalens.read.split import split  # sqlglot's tokenizer: imported on a miss only

    return tuple((p.line, p.text) for p in split(render_templates(text), file))


class Spans:
    """The spans of a folder's files: from the persistent cache where a file was seen before (read on first
    use), else split; :meth:`save` writes the entry once when a file was new."""

    def __init__(self, folder: str | Path):
        self._folder = folder
        self._known: dict[bytes, tuple[Span, ...]] | None = None
        self._new = False

    def _entry(self) -> str:
        return cache.key(["spans", str(Path(self._folder).resolve())])

    def known(self) -> dict[bytes, tuple[Span, ...]]:
        """The spans read from the cache (and found since), by the SHA-256 of a file's name and text."""
        if self._known is None:
            found = cache.get(_KIND, self._entry())
            self._known = found if isinstance(found, dict) else {}
        return self._known

    def of(self, file: str, text: str) -> tuple[Span, ...]:
        """The spans of ``file``, whose content is ``text``."""
        known = self.known()
        digest = hashlib.sha256(f"{file}\0{text}".encode("utf-8", "surrogatepass")).digest()
        found = known.get(digest)
        if found is None:
            found = known[digest] = split_spans(text, file)
            self._new = True
        return found

    def save(self) -> None:
        """Write the entry when a file was new since it was read (nothing otherwise)."""
        if self._new and self._known is not None:
            cache.put(_KIND, self._entry(), self._known)
            self._new = False


__all__ = ["Span", "Spans", "split_spans"]
