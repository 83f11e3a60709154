"""Replay snapshots between runs: after one file changes, replay resumes from the checkpoint before it.

The whole-folder entry of :func:`schemalens.load_schema` misses as soon as any file changes. This
module keeps, in the persistent cache (:mod:`schemalens.read.cache`), the replay state
(:func:`schemalens.read.replay.new_state`: everything replay knows, search_path and counters included, not
only the Schema) after the files ``1..k`` at checkpoints ``k`` (every ``step`` files, ``step`` a power
of two giving :data:`CHECKPOINTS` to twice as many, and the last file). A run walks the chain of its
files, finds the furthest checkpoint it has, loads that state and replays only the files after it; a
file added at the end replays only itself (the old last file was a checkpoint).

Keys: the chain ``c_k = H(c_{k-1}, name_k, sha256(text_k))`` starts from the versions and the runner's
search_path. At a checkpoint ``d_k`` is the digest of the state's content (:func:`state_digest`: equal
states give equal digests in any process), the cache keeps ``c_k -> d_k`` (small) and ``d_k -> state``,
and the chain goes on from ``d_k`` and the versions instead of ``c_k``. So a change that leaves the
state as it was at the next checkpoint (a comment, a blank line) costs the files up to that checkpoint:
the chain after it is the old one, and every later checkpoint is found again without replaying.

Exact by construction: a state is found only under the files that produced it (or under an equal
state), and a resumed replay applies the same statements to an equal state (``tests/test_snapshots.py``
compares the Schemas of resumed and cold runs). Cost (benchmarks/README.md): a cold run of 1,000 files
pays about 1.7x for its checkpoints (a pickle, 0.1 s, and a digest, 0.13 s, of a 10,000-statement
state each); lemmy's 3.2 MB, 5%.
"""

from __future__ import annotations

import hashlib
import io
import pickle
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from schemalens.core.model import Schema, Unparsed
from schemalens.read import cache
from schemalens.read.migrations import MigrationFile

CHECKPOINTS = 8  # about this many per folder (8 to 16): each costs a pickle and a digest of the state so far
_CHAIN, _STATE = "replay-chain", "replay-state"


def checkpoint_step(files: int) -> int:
    """Files between checkpoints: a power of two, so that adding files rarely moves the checkpoints.

    >>> [checkpoint_step(n) for n in (1, 31, 32, 342, 1000, 5000)]
    [1, 2, 4, 32, 64, 512]
    """
    step = 1
    while step * 2 * CHECKPOINTS <= files:
        step *= 2
    return step


def _canonical(value):
    """What a state's digest is taken of: sets sorted, the stores' indexes (derived from their objects)
    left out, so that equal states give equal bytes whatever the hash seed of the process. Frozen
    model objects (Column, ForeignKey: tuples and strings inside) are left to the pickler."""
    from schemalens.read.replay import _Store

    if isinstance(value, _Store):
        return value._by_key
    if isinstance(value, (set, frozenset)):
        return sorted(value, key=repr)
    if isinstance(value, dict):
        first = next(iter(value.values()), None)
        if isinstance(first, (set, frozenset, dict)) or _mutable_object(first):
            return [(k, _canonical(v)) for k, v in value.items()]
        return value
    if _mutable_object(value):
        return type(value).__name__, [(k, _canonical(v)) for k, v in vars(value).items()]
    return value


def _mutable_object(value) -> bool:
    """An object with attributes that is not a frozen dataclass (a table being replayed)."""
    params = getattr(type(value), "__dataclass_params__", None)
    return hasattr(value, "__dict__") and not (params is not None and params.frozen)


def state_digest(state) -> str:
    """The SHA-256 of a replay state's content, the same for equal states in any process: a canonical
    form pickled without memo (an object shared or merely equal gives the same bytes)."""
    out = io.BytesIO()
    pickler = pickle.Pickler(out, protocol=pickle.HIGHEST_PROTOCOL)
    pickler.fast = True  # no memo: identity does not count (the canonical form has no cycles)
    pickler.dump(_canonical(state))
    return hashlib.sha256(out.getvalue()).hexdigest()


def _link(chain: str, f: MigrationFile) -> str:
    return cache.key([chain, f.name, hashlib.sha256(f.text.encode("utf-8", "surrogatepass")).digest()], version="")


def _rebased(digest: str, versions: str) -> str:
    """The chain after a checkpoint: the state's digest, and the versions (a state of another schemalens
    or sqlglot is never resumed)."""
    return cache.key(["state", digest], version=versions)


@dataclass
class _Hit:
    position: int  # files replayed
    chain: str  # the chain after it (rebased on the state's digest)
    digest: str


def _furthest(files: Sequence[MigrationFile], position: int, chain: str, step: int, versions: str) -> _Hit | None:
    """The furthest checkpoint after ``position`` that the cache has, following hits from ``position``
    on; between the last hit and the first miss, any file's state (the end of a shorter folder)."""
    best, links = None, []
    k = position
    while k < len(files):
        chain = _link(chain, files[k])
        k += 1
        links.append((k, chain))
        if k % step and k != len(files):
            continue
        digest = cache.get(_CHAIN, chain)
        if digest is None:
            for j, link in reversed(links[:-1]):  # a folder that had j files (a file added since)
                found = cache.get(_CHAIN, link)
                if found is not None:
                    return _Hit(j, _rebased(found, versions), found)
            return best
        chain = _rebased(digest, versions)
        best, links = _Hit(k, chain, digest), []
    return best


def _load(digest: str):
    data = cache.get(_STATE, digest)
    if data is None:
        return None
    try:
        return pickle.loads(data)
    except Exception:  # noqa: BLE001 - an unreadable state (checked by its digest) is a miss
        return None


def load(files: Sequence[MigrationFile], search_path: tuple[str, ...], headers, warnings: list[Unparsed],
         progress: Callable[[int, int], None] | None = None) -> Schema:
    """Replay ``files`` into a Schema, resuming from the furthest checkpoint in the cache; checkpoints
    on the way are saved. ``progress(files_done, statements_done)`` is called after each replayed file."""
    from schemalens.read.parse import split_and_parse  # sqlglot: imported when something is parsed
    from schemalens.read.replay import new_state

    n, step = len(files), checkpoint_step(len(files))
    versions = cache.versions()
    chain = cache.key(["replay", repr(tuple(search_path))], version=versions)
    position, state, statements = 0, None, 0
    while True:
        hit = _furthest(files, position, chain, step, versions)
        if hit is not None:
            loaded = _load(hit.digest)
            if loaded is not None:
                state, position, chain = loaded, hit.position, hit.chain
        if state is None:
            state = new_state(tuple(search_path))
        if position == n:
            return state.freeze(headers, warnings)
        stop = min(n, (position // step + 1) * step)
        for f in files[position:stop]:
            for st in split_and_parse(f.text, f.name, keep=False):
                state.apply(st)
                statements += 1
            chain = _link(chain, f)
            position += 1
            if progress is not None:
                progress(position, statements)
        digest = state_digest(state)
        cache.put(_CHAIN, chain, digest)
        cache.put(_STATE, digest, pickle.dumps(state, protocol=pickle.HIGHEST_PROTOCOL))
        chain = _rebased(digest, versions)


__all__ = ["CHECKPOINTS", "checkpoint_step", "load", "state_digest"]
