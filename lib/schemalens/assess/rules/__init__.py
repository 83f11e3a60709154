"""The rules: one function per finding code, each in its own module, each taking the
:class:`~schemalens.assess.findings.Context` built once before them (:func:`schemalens.assess.compare.context`) and
returning its findings; :data:`RULES` is the order they run in (a report sorts findings by code).

Plan rules: ``missing-table``, ``root-mismatch``, ``missing-foreign-key``, ``manual-sync-required``,
``hierarchy-mismatch``, ``scope-mismatch``, ``project-ref-mismatch``, ``document-reference``. General checks
on the actual schema, whatever the plan says: ``rls-disabled``, ``table-without-policy``,
``unindexed-foreign-key``, ``unreachable-from-root``.
"""

from __future__ import annotations

from schemalens.assess.rules.document_reference import document_references
from schemalens.assess.rules.hierarchy_mismatch import hierarchy
from schemalens.assess.rules.manual_sync_required import manual_sync
from schemalens.assess.rules.missing_foreign_key import composite_foreign_keys, missing_foreign_keys
from schemalens.assess.rules.missing_table import missing_tables
from schemalens.assess.rules.project_ref_mismatch import project_ref
from schemalens.assess.rules.rls_disabled import rls_disabled
from schemalens.assess.rules.root_mismatch import root_mismatch
from schemalens.assess.rules.scope_mismatch import scoping
from schemalens.assess.rules.table_without_policy import tables_without_policy
from schemalens.assess.rules.unindexed_foreign_key import unindexed_foreign_keys
from schemalens.assess.rules.unreachable_from_root import unreachable_from_root

RULES = (
    missing_tables,
    root_mismatch,
    missing_foreign_keys,
    composite_foreign_keys,
    manual_sync,
    hierarchy,
    scoping,
    project_ref,
    document_references,
    rls_disabled,
    tables_without_policy,
    unindexed_foreign_keys,
    unreachable_from_root,
)

__all__ = ["RULES"]
