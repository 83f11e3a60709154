"""Writers: the schema as graph JSON, Mermaid and DOT, and Markdown for Jupyter; findings as JSON and
SARIF 2.1.0. The findings' Markdown (the seed's shape) is :mod:`schemalens.present.summary` and
:mod:`schemalens.present.sections`, re-exported here.

The graph JSON is the contract ``schemalens graph --format json`` gives (ARCHITECTURE.md):
tables, foreign_keys, policies and every statement that was not understood.
"""

from __future__ import annotations

import json
from pathlib import Path

from schemalens.assess.findings import Findings, findings_dict
from schemalens.core.model import Schema
from schemalens.core.names import md_cell, md_code, md_text
from schemalens.present.graph_output import _unparsed, dot, graph_dict, graph_json, mermaid  # noqa: F401 (re-exported)
from schemalens.present.sections import (  # noqa: F401 (re-exported)
    GENERAL,
    ICON,
    decision_title,
    finding_markdown,
    fk_column_name,
)
from schemalens.present.summary import (  # noqa: F401 (re-exported)
    _data_model,
    _proposed,
    _version,
    data_model_tree,
    markdown,
    placements,
    suggested_manifest,
)
from schemalens.read.graph import coverage_totals


def schema_markdown(schema: Schema) -> str:
    """A short Markdown summary of a schema (what Jupyter shows for a Schema)."""
    totals = coverage_totals(schema)
    rows = [
        "| table | columns | primary key | foreign keys | RLS | policies | defined at |",
        "|---|---|---|---|---|---|---|",
    ]
    for t in schema.tables:
        fks = ", ".join(f"{md_text(','.join(fk.columns))} → {md_text(fk.ref_table)}"
                        for fk in schema.foreign_keys_from(t.name))
        rows.append(
            f"| {md_cell(md_code(t.name))} | {len(t.columns)} | {md_text(', '.join(t.primary_key))} | {fks} | "
            f"{'on' if t.rls_enabled else 'off'} | {len(schema.policies_on(t.name))} | {md_text(str(t.source))} |"
        )
    head = (
        f"**Schema**: {len(schema.tables)} tables, {len(schema.foreign_keys)} foreign keys, "
        f"{len(schema.policies)} policies. Statements: {totals['understood']} understood, "
        f"{totals['not analysed']} not analysed, {totals['unparsed']} unparsed.\n\n"
    )
    return head + "\n".join(rows) + "\n"


# Findings: JSON and SARIF -----------------------------------------------------------------------------------


def findings_json(findings: Findings) -> str:
    return json.dumps(findings_dict(findings), indent=2, ensure_ascii=False) + "\n"


SARIF_LEVEL = {"critical": "error", "warning": "warning", "info": "note"}
RULE_TEXT = {
    "missing-table": "An assumed table does not exist",
    "root-mismatch": "The assumed root is not the actual root",
    "missing-foreign-key": "An assumed foreign key does not exist",
    "manual-sync-required": "A policy compares auth.uid() with a key nothing ties to auth.users",
    "hierarchy-mismatch": "The assumed child -> parent edge differs from the actual FK path",
    "scope-mismatch": "Rows are scoped by another entity than assumed",
    "project-ref-mismatch": "A migration header names another project than the manifest",
    "document-reference": "A planned document uses a table or column that does not exist",
    "rls-disabled": "Row level security is off",
    "table-without-policy": "RLS is on but no policy exists",
    "unindexed-foreign-key": "A foreign key's columns lead no index",
    "unreachable-from-root": "A table has no FK path to the root",
    # schemalens.db.verify: a live database against the files
    "drift-missing": "An object the migrations build is missing from the database",
    "drift-extra": "The database has an object no migration builds",
    "drift-changed": "An object differs between the database and the migrations",
    "migration-not-applied": "A migration file was never applied to the database",
    "migration-unknown": "The database recorded a migration no file has",
}


def _uri(path: str, base: str | Path) -> str:
    import os

    rel = os.path.relpath(os.path.abspath(path), os.path.abspath(base))
    return Path(os.path.abspath(path)).as_uri() if rel.startswith("..") else Path(rel).as_posix()


def _location(ev, base, with_message: bool = False, index: int | None = None) -> dict:
    loc = {
        "physicalLocation": {
            "artifactLocation": {"uri": _uri(ev.path or ev.file, base)},
            "region": {"startLine": max(ev.line, 1)},
        }
    }
    if ev.text:
        loc["physicalLocation"]["region"]["snippet"] = {
            "text": ev.text
            if ev.kind != "migration" or not ev.start
            else ev.text.splitlines()[max(ev.line - ev.start, 0)]
            if ev.line - ev.start < len(ev.text.splitlines())
            else ev.text
        }
    if index is not None:
        loc["id"] = index
    if with_message:
        loc["message"] = {"text": ev.note or ev.kind}
    return loc


def sarif_dict(findings: Findings, base: str | Path = ".") -> dict:
    """SARIF 2.1.0: a rule per code, results at their first migration file:line (or document, manifest)."""
    import hashlib

    from schemalens.assess.compare import CODES

    codes = [c for c in CODES if findings.by_code(c)]
    codes += [c for c in dict.fromkeys(f.code for f in findings) if c not in codes]  # e.g. schemalens.db.verify's
    rules = [
        {
            "id": c,
            "name": "".join(w.capitalize() for w in c.split("-")),
            "shortDescription": {"text": RULE_TEXT[c]},
            "defaultConfiguration": {"level": SARIF_LEVEL[findings.by_code(c)[0].severity]},
        }
        for c in codes
    ]
    results = []
    for f in findings:
        order = sorted(  # "database" evidence (schemalens.db.verify) is no file: it stays in properties only
            (e for e in f.evidence if e.kind != "database"),
            key=lambda e: ("migration", "document", "manifest").index(e.kind),
        )
        primary = order[0] if order else None
        result = {
            "ruleId": f.code,
            "ruleIndex": codes.index(f.code),
            "level": SARIF_LEVEL[f.severity],
            "message": {"text": f"{f.title}. Assumed: {f.assumed}. Actual: {f.actual}."},
            "partialFingerprints": {
                "schemalens/v1": hashlib.sha256(f"{f.code}|{f.subject}".encode()).hexdigest()[:32]
            },
            "properties": {
                "severity": f.severity,
                "decision": f.decision,
                "options": list(f.options),
                "impact": f.impact,
                "data": f.data,
            },
        }
        if primary is not None:
            result["locations"] = [_location(primary, base)]
            related = [_location(e, base, True, i) for i, e in enumerate(order[1:], 1)]
            if related:
                result["relatedLocations"] = related
        results.append(result)
    return {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "schemalens",
                        "version": _version(),
                        "informationUri": "https://github.com/schemalens/schemalens",
                        "rules": rules,
                    }
                },
                "results": results,
            }
        ],
    }


def sarif(findings: Findings, base: str | Path = ".") -> str:
    return json.dumps(sarif_dict(findings, base), indent=2, ensure_ascii=False) + "\n"
