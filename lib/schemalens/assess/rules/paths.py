"""Foreign-key paths as findings write them: ``users.client_id → clients.agency_id → agencies``."""

from __future__ import annotations

from collections.abc import Sequence

from schemalens.assess.findings import (
    short,
)
from schemalens.core.model import ForeignKey, Schema
from schemalens.read.replay import EXTERNAL_PRIMARY_KEYS


def path_fks(schema: Schema, path: Sequence[str]) -> list[ForeignKey]:
    out = []
    for child, parent in zip(path, path[1:]):
        fk = next((f for f in schema.foreign_keys_from(child) if f.ref_table == parent), None)
        if fk is not None:
            out.append(fk)
    return out


def arrow_path(schema: Schema, path: Sequence[str]) -> str:
    """A path with its FK columns: ``users.client_id → clients.agency_id → agencies``."""
    parts = []
    for fk in path_fks(schema, path):
        parts.append(f"{short(fk.table)}.{','.join(fk.columns)}")
    return " → ".join(parts + [short(path[-1])]) if path else ""


def is_external(table: str) -> bool:
    return table in EXTERNAL_PRIMARY_KEYS
