"""What the platform detection finds in each file (:func:`schemalens.read.platform.text_marks`), kept between
runs by the file's content: a run after one changed file reads the others' marks from the cache instead
of running the detection's regular expressions over every file again (0.05-0.08 s on lemmy or lago, a
third of such a run in process; benchmarks/README.md).

One entry per folder (by its resolved path, in the persistent cache of :mod:`schemalens.read.cache`, so
also under the versions of schemalens's code): the SHA-256 of each text the folder's files had at the last
run, and its marks. A text not in it is read; the entry is written again when one was new. Concurrent runs
may overwrite each other's entry: every value is a function of the text it is filed under, so that costs
a recomputation, never a wrong mark.

>>> import os, tempfile; os.environ["XDG_CACHE_HOME"] = tempfile.mkdtemp()
>>> cached(tempfile.mkdtemp())(["GRANT SELECT ON t TO anon;", "CREATE TABLE t (id int);"])
[((), (3,)), ((), ())]
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from pathlib import Path

from schemalens.read import cache
from schemalens.read.platform import Marks, text_marks

_KIND = "detect-marks"


def cached(folder: str | Path) -> Callable[[Sequence[str]], list[Marks]]:
    """The marks of the texts of ``folder``'s files (as :func:`schemalens.read.platform.detect_platform`
    takes them), from the cache where a text was seen before."""
    entry = cache.key(["marks", str(Path(folder).resolve())])

    def marks(texts: Sequence[str]) -> list[Marks]:
        known = cache.get(_KIND, entry)
        known = known if isinstance(known, dict) else {}
        found: dict[bytes, Marks] = {}
        for text in texts:
            digest = hashlib.sha256(text.encode("utf-8", "surrogatepass")).digest()
            if digest not in found:
                found[digest] = known[digest] if digest in known else text_marks(text)
        if found.keys() != known.keys():
            cache.put(_KIND, entry, found)
        return [found[hashlib.sha256(t.encode("utf-8", "surrogatepass")).digest()] for t in texts]

    return marks


__all__ = ["cached"]
