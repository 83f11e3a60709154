"""The JSON a parse fixture is compared with: the whole model, provenance included."""

from __future__ import annotations

from schemalens.core.model import Schema
from schemalens.read.graph import coverage_totals


def fixture_view(schema: Schema) -> dict:
    def problems(items):
        return [{"source": str(u.source), "reason": u.reason} for u in items]

    return {
        "tables": {t.name: {"columns": [[c.name, c.type, c.nullable] for c in t.columns],
                            "primary_key": [*t.primary_key], "primary_key_name": t.primary_key_name,
                            "uniques": {u.name: [*u.columns] for u in t.uniques},
                            "rls": [t.rls_enabled, t.rls_forced], "partition_of": t.partition_of,
                            "source": str(t.source)} for t in schema.tables},
        "foreign_keys": [{"name": fk.name, "from": f"{fk.table}({', '.join(fk.columns)})",
                          "to": f"{fk.ref_table}({', '.join(fk.ref_columns)})", "on_delete": fk.on_delete,
                          "on_update": fk.on_update, "validated": fk.validated, "source": str(fk.source)}
                         for fk in schema.foreign_keys],
        "policies": [{"table": p.table, "name": p.name, "command": p.command, "permissive": p.permissive,
                      "roles": [*p.roles], "using": p.using, "with_check": p.with_check, "source": str(p.source)}
                     for p in schema.policies],
        "indexes": [[i.table, i.name, [*i.columns], i.unique] for i in schema.indexes],
        "enums": {e.name: [*e.values] for e in schema.enums},
        "functions": [[f.name, f.arguments, f.returns, f.language, f.security_definer, str(f.source)]
                      for f in schema.functions],
        "triggers": [[t.table, t.name, t.function, t.timing, [*t.events]] for t in schema.triggers],
        "views": {v.name: {"columns": [[c.name, c.type] for c in v.columns], "reads": [*v.reads],
                           "security_invoker": v.security_invoker, "materialized": v.materialized}
                  for v in schema.views},
        "unparsed": problems(schema.unparsed),
        "not_analysed": problems(schema.not_analysed),
        "warnings": problems(schema.warnings),
        "coverage": coverage_totals(schema),
    }


def fixture_migrations(case):
    """The migrations a findings fixture runs against: its own ``migrations/``, else those of the case its
    ``expect.yaml`` names (``migrations: <case>``, a positive sharing its negative's files), else ``_base``."""
    import yaml

    if (case / "migrations").is_dir():
        return case / "migrations"
    other = (yaml.safe_load((case / "expect.yaml").read_text()) or {}).get("migrations", "_base")
    return case.parent / other / "migrations"
