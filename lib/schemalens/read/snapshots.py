"""Replay snapshots between runs: after one file changes, replay resumes from the checkpoint before it.

The whole-folder entry of :func:`schemalens.load_schema` misses as soon as any file changes. This
module keeps, in the persistent cache (:mod:`schemalens.read.cache`), the replay state
(:func:`schemalens.read.replay.new_state`: everything replay knows, search_path and counters included, not
only the Schema) after the files ``1..k`` at checkpoints ``k`` (every ``step`` files, ``step`` a power
of two giving :data:`CHECKPOINTS` to twice as many, and the last file). A run walks the chain of its
files, finds the furthest checkpoint it has, loads that state and replays only the files after it; a
file added at the end replays only itself (the old last file was a checkpoint).

Keys: the chain ``c_k = H(c_{k-1}, name_k, sha256(text_k))`` starts from the versions and the runner's
search_path. A state is kept under its id, the chain that first reached it (``c_k -> id`` and ``id ->
state``), and the chain goes on from the id and the versions instead of ``c_k``. The cache also keeps, by
position ``k`` and the files' names only, the id of the last state seen there. A run that replays after
a change compares, at the first checkpoint after it, its state with that one: by digest of their content
(:func:`state_digest`: equal states give equal digests in any process; the old state's is computed once
and kept beside it). Equal (a comment, a blank line): ``c_k -> old id``, the chain after it is the old
one, and every later checkpoint is found again without replaying. So a run that only writes checkpoints
(a cold one, a file added at the end) pays a pickle per checkpoint and no digest.

Exact by construction: a state is found only under the files that produced it (or under an equal
state), and a resumed replay applies the same statements to an equal state (``tests/test_snapshots.py``
compares the Schemas of resumed and cold runs). Cost (benchmarks/README.md): a cold run of 1,000 files
(10,000 statements) pays about 0.5 s for its 16 pickles, lemmy's about 0.1 s; the cache takes 34 and 2.8 MB.
"""

from __future__ import annotations

import hashlib
import io
import pickle
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from schemalens.core.memory import paused_gc
from schemalens.core.model import Schema, Unparsed
from schemalens.read import cache
from schemalens.read.migrations import MigrationFile

CHECKPOINTS = 8  # about this many per folder (8 to 16): each costs a pickle and a digest of the state so far
_CHAIN, _STATE, _PLACE, _DIGEST = "replay-chain", "replay-state", "replay-place", "replay-digest"


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


def _rebased(state: str, versions: str) -> str:
    """The chain after a checkpoint: the state's id, and the versions (a state of another schemalens
    or sqlglot is never resumed)."""
    return cache.key(["state", state], version=versions)


@dataclass
class _Hit:
    position: int  # files replayed
    chain: str  # the chain after it (rebased on the state's id)
    state: str


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
        state = cache.get(_CHAIN, chain)
        if state is None:
            for j, link in reversed(links[:-1]):  # a folder that had j files (a file added since)
                found = cache.get(_CHAIN, link)
                if found is not None:
                    return _Hit(j, _rebased(found, versions), found)
            return best
        chain = _rebased(state, versions)
        best, links = _Hit(k, chain, state), []
    return best


def _load(state: str):
    data = cache.get(_STATE, state)
    if data is None:
        return None
    try:
        with paused_gc():  # a state is 100,000s of new objects and no garbage: collections scan them for nothing
            return pickle.loads(data)
    except Exception:  # noqa: BLE001 - an unreadable state (checked by its digest) is a miss
        return None


def _digest(state: str) -> str | None:
    """The digest of the state stored under ``state``: kept beside it once computed (loading the state and
    digesting it costs as much as replaying a few files)."""
    digest = cache.get(_DIGEST, state)
    if digest is None:
        loaded = _load(state)
        if loaded is None:
            return None
        with paused_gc():
            digest = state_digest(loaded)
        cache.put(_DIGEST, state, digest)
    return digest


class _Places:
    """The key of each position by the files' names only (not their text): where a checkpoint of an earlier
    content of the same files is found."""

    def __init__(self, files: Sequence[MigrationFile], start: str):
        self.files, self.keys = files, [start]

    def __getitem__(self, position: int) -> str:
        while len(self.keys) <= position:
            self.keys.append(cache.key([self.keys[-1], self.files[len(self.keys) - 1].name], version=""))
        return self.keys[position]


def _as_before(state, place: str) -> tuple[str | None, str | None]:
    """Whether ``state`` is the state an earlier content of the same files reached at ``place``: (that state's
    id, when equal; the digest of ``state``, when computed)."""
    before = cache.get(_PLACE, place)
    if before is None:
        return None, None
    with paused_gc():
        digest = state_digest(state)
    return (before if _digest(before) == digest else None), digest


def load(files: Sequence[MigrationFile], search_path: tuple[str, ...], headers, warnings: list[Unparsed],
         progress: Callable[[int, int], None] | None = None) -> Schema:
    """Replay ``files`` into a Schema, resuming from the furthest checkpoint in the cache; checkpoints
    on the way are saved. ``progress(files_done, statements_done)`` is called after each replayed file."""
    from schemalens.read.parse import split_and_parse  # sqlglot: imported when something is parsed
    from schemalens.read.replay import new_state

    n, step = len(files), checkpoint_step(len(files))
    versions = cache.versions()
    chain = cache.key(["replay", repr(tuple(search_path))], version=versions)
    places = _Places(files, chain)
    position, state, statements = 0, None, 0
    while True:
        hit = _furthest(files, position, chain, step, versions)
        if hit is not None:
            loaded = _load(hit.state)
            if loaded is not None:
                state, position, chain = loaded, hit.position, hit.chain
        if state is None:
            state = new_state(tuple(search_path))
        if position == n:
            return state.freeze(headers, warnings)
        compare = True  # at the first checkpoint after a change, the state may be the one it was (a comment)
        while True:
            stop = min(n, (position // step + 1) * step)
            for f in files[position:stop]:
                for st in split_and_parse(f.text, f.name, keep=False):
                    state.apply(st)
                    statements += 1
                chain = _link(chain, f)
                position += 1
                if progress is not None:
                    progress(position, statements)
            # not at the last file: nothing after it to find again, and a pickle costs less than a comparison
            before, digest = _as_before(state, places[position]) if compare and position < n else (None, None)
            compare = False
            if before is not None:  # the same state: the chain goes on from it, the later checkpoints are found
                cache.put(_CHAIN, chain, before)
                chain = _rebased(before, versions)
                break
            with paused_gc():  # 5x: at the default thresholds, pickling a state paid for collections
                cache.put(_STATE, chain, pickle.dumps(state, protocol=pickle.HIGHEST_PROTOCOL))
            cache.put(_PLACE, places[position], chain)
            if digest is not None:
                cache.put(_DIGEST, chain, digest)
            cache.put(_CHAIN, chain, chain)  # a new state: its id is the chain that reached it first
            chain = _rebased(chain, versions)
            if position == n:
                return state.freeze(headers, warnings)


__all__ = ["CHECKPOINTS", "checkpoint_step", "load", "state_digest"]
