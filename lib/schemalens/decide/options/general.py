"""The general checks' decisions: row level security off (``enable-rls``), RLS on without a policy
(``add-policies``), foreign keys without an index (``index-foreign-keys``).

``enable-rls`` (one decision for every table with RLS off):

* A: enable RLS on each table and, where the table has a foreign-key route to the root and the
  signed-in user's chain to the root is known, one policy that lets the root's members in (the route's
  first column ``IN`` the chain, for reads and writes); a table with no route gets no policy, so the
  API roles see none of its rows (roles that bypass RLS, such as ``service_role``, still do).
* B: leave RLS off and revoke the API roles' privileges (``anon``, ``authenticated``, and PUBLIC when it
  holds some); the rollback grants back exactly what each held. Where they hold nothing already, B
  keeps things as they are.

``add-policies`` (tables with RLS on and no policy): A, a SELECT policy for the root's members along each
table's route to the root; B, keep it service-role only (recommended: usually on purpose).

``index-foreign-keys`` (one decision for every foreign key without an index):

* A: create the indexes ``CONCURRENTLY`` in autocommit (SHARE UPDATE EXCLUSIVE: writes go on while each
  builds; :mod:`schemalens.decide.phased`);
* B: leave them (small tables, rare deletes on the parent).
"""

from __future__ import annotations

from dataclasses import dataclass

from schemalens.core.model import API_ROLES, TABLE_PRIVILEGES
from schemalens.core.names import md_name, relation
from schemalens.decide.decisions import Check, Decision, Option, Risk, decision_title, slug
from schemalens.decide.options import Context, policies_named_sql, row_counts_sql
from schemalens.decide.options.scope import Hop, _joins, _value, unmappable_sql
from schemalens.decide.phased import (
    create_index_concurrently,
    drop_index_concurrently,
    invalid_index_check,
    volume_check,
)
from schemalens.decide.sqlgen import (
    create_policy,
    disable_rls,
    drop_policy,
    enable_rls,
    grant,
    ident,
    literal,
    revoke_all,
    short,
    table,
)


def build(ctx: Context, did: str, findings: list) -> tuple[Decision | None, str]:
    if did == "enable-rls":
        return _rls(ctx, did, findings)
    if did == "add-policies":
        return _policies(ctx, did, findings)
    return _indexes(ctx, did, findings)


# enable-rls -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Membership:
    """Who may see a row of ``table``: members of ``entity``, the first table on the row's foreign-key route
    to the root that the signed-in user's own chain (users → … → root) also passes; so a policy scopes as
    narrowly as the existing ones (RevOS: by the user's client, not by the agency)."""

    table: str
    entity: str
    hops: tuple[Hop, ...]  # from ``table`` to ``entity``
    condition: str
    reads: tuple[str, ...]  # the tables the condition reads

    def policy(self, verb: str) -> str:
        return f"{short(self.entity)} members can {verb} {short(self.table)}"


def _route(ctx: Context, tbl: str) -> list[Hop]:
    from schemalens.decide.rewrite import path_foreign_keys
    from schemalens.read.rls import fk_path

    root = ctx.findings.root
    if not root or root == tbl:
        return []
    fks = path_foreign_keys(ctx.schema, list(fk_path(ctx.schema, tbl, root)))
    return [Hop(f.table, f.columns[0], f.ref_table, f.ref_columns[0]) for f in fks]


def membership(ctx: Context, tbl: str) -> Membership | None:
    """The :class:`Membership` of ``tbl`` (None: no route to the root, or no known user chain)."""
    from schemalens.read.rls import fk_path

    root, identity = ctx.findings.root, ctx.identity
    hops = _route(ctx, tbl)
    if not hops or identity is None:
        return None
    own = set(fk_path(ctx.schema, identity[0], root)) | {identity[0]}
    cut = next((i for i, h in enumerate(hops) if h.ref in own), None)
    if cut is None:
        return None
    hops, entity = hops[: cut + 1], hops[cut].ref
    chain = ctx.chain_select(entity)
    if chain is None:
        return None
    first = hops[0]
    if len(hops) == 1:
        cond = f"{ident(first.column)} IN ({chain})"
    else:
        via = ident(relation(first.ref))
        joins = "".join(f" {j}" for j in _joins(hops[1:], alias=via, sep=None))
        cond = (f"{ident(first.column)} IN (SELECT {via}.{ident(first.ref_column)} FROM {table(first.ref)}"
                f"{joins} WHERE {_value(hops[1:], alias=via)} IN ({chain}))")
    return Membership(tbl, entity, tuple(hops), cond, (*[h.ref for h in hops[:-1]], *ctx.chain_tables(entity)))


def _enable(ctx: Context, did: str, tables: list[str]) -> Option:
    up, down, members, without = [], [], {}, []
    for tbl in tables:
        up.append(enable_rls(tbl))
        m = membership(ctx, tbl)
        if m is None:
            without.append(tbl)
            down.insert(0, disable_rls(tbl))
            continue
        members[tbl] = m
        up.append(create_policy(m.policy("use"), tbl, "ALL", m.condition, m.condition, reads=m.reads))
        down[:0] = [drop_policy(m.policy("use"), tbl), disable_rls(tbl)]
    with_policy = list(members)
    routes = {t: list(m.hops) for t, m in members.items()}
    names = ", ".join(f"{md_name(t)}" for t in tables)
    checks = [
        Check(
            "policy-name-free",
            policies_named_sql((t, m.policy("use")) for t, m in members.items()),
            "A row means a policy of that name exists already: up.sql would fail.",
            blocking=True,
        )
    ] if with_policy else []
    if routes:
        checks.append(Check(
            "unreachable-rows",
            unmappable_sql(routes),
            "Rows with no route to the entity whose members the policy lets in: once RLS is on, no API user "
            "sees them (service_role still does).",
        ))
    checks.append(Check(
        "rows",
        row_counts_sql(tables),
        "How many rows each table holds: with RLS on and no policy letting them in, API users see none.",
    ))
    def listed(ts: list[str]) -> str:
        return ", ".join(f"{md_name(t)}" for t in ts) + (" gets" if len(ts) == 1 else " get")

    summary = (
        f"Enable row level security on {names}"
        + "".join(f"; {md_name(t)} gets a policy letting the members of {md_name(m.entity)} read and write its rows"
                  for t, m in members.items())
        + (f"; {listed(without)} no policy (no route to the root): API users see none of its rows"
           if without else "")
        + "."
    )
    # say only what the scripts do: without a policy there is no policy to drop and no route to check
    risks = [
        Risk("breaking", ("API reads and writes of rows outside the policy stop returning or changing rows "
                          "(no error: they see fewer rows)" if with_policy else "")
             + ("; " if with_policy and without else "")
             + (f"API reads and writes of {', '.join(f'{md_name(t)}' for t in without)} return and change no "
                "row (no error)" if without else "") + "."),
        Risk("data", "No row changes; " + ("rows outside the policy stay, invisible to API users (preflight "
                                           "`unreachable-rows`)" if routes else
                                           "the rows stay, visible to service_role only (preflight `rows`)")
             + "."),
        Risk("lock", "ENABLE ROW LEVEL SECURITY" + (" and CREATE POLICY take" if with_policy else " takes")
             + " ACCESS EXCLUSIVE on the table: brief."),
        Risk("reversibility", "down.sql " + ("drops the policies and " if with_policy else "")
             + "disables RLS again."),
    ]
    return Option(
        did, "A", slug("A", "Enable RLS"), "Enable row level security" + (" with member policies" if with_policy
                                                                          else ""),
        summary, tuple(up), tuple(down), tuple(checks), risks=tuple(risks),
        impact=ctx.impact(tables, effects={"policy": "its predicate now filters API reads and writes"}),
    )


def _held(ctx: Context, tbl: str) -> dict[str, tuple[str, ...]]:
    """Table-level privileges of the API roles and PUBLIC on ``tbl``, as the migrations leave them."""
    granted = ctx.schema.table(tbl).granted
    return {r: tuple(p for p in granted[r] if not p.endswith("(columns)"))
            for r in (*API_ROLES, "public") if granted.get(r)}


def _privileges_sql(privs: tuple[str, ...]) -> str:
    return "ALL" if set(privs) >= set(TABLE_PRIVILEGES) - {"MAINTAIN"} else ", ".join(
        p for p in TABLE_PRIVILEGES if p in privs and p != "MAINTAIN")


def _revoke(ctx: Context, did: str, tables: list[str]) -> Option:
    up, down, held_by = [], [], {}
    for tbl in tables:
        held = _held(ctx, tbl)
        if not held:
            continue
        held_by[tbl] = held
        up.append(revoke_all(tbl, list(held), note=f"revoke the API roles' privileges on {short(tbl)}"))
        for role, privs in held.items():
            down.insert(0, grant(_privileges_sql(privs), tbl, role,
                                 note=f"give {role} back {', '.join(privs)} on {short(tbl)}"))
    names = ", ".join(f"{md_name(t)}" for t in tables)
    if not held_by:
        return Option(
            did, "B", slug("B", "Keep it off"), "Keep RLS off: the API roles hold no privilege already",
            f"{names}: `anon` and `authenticated` hold no privilege (the migrations revoke them), so nothing is "
            "exposed through the API. Nothing to run; document why the table has no RLS.",
            (), (), risks=_unchanged(Risk("security", "A later GRANT to `anon`, `authenticated` or PUBLIC exposes "
                                          "every row, with no policy to filter them.")),
            impact=ctx.impact(tables),
        )
    checks = (Check(
        "api-privileges",
        "SELECT table_name, grantee, string_agg(privilege_type, ', ' ORDER BY privilege_type) AS privileges\n"
        "FROM information_schema.role_table_grants\n"
        f"WHERE table_schema || '.' || table_name IN ({', '.join(literal(t) for t in held_by)})\n"
        "  AND grantee IN ('anon', 'authenticated', 'PUBLIC')\nGROUP BY table_name, grantee ORDER BY 1, 2",
        "What the API roles hold now: down.sql grants back what the migrations leave them; anything "
        "granted by hand since is revoked by up.sql and not given back.",
    ),)
    return Option(
        did, "B", slug("B", "Revoke the API roles' privileges"), "Keep RLS off and revoke the API roles' privileges",
        f"Revoke every privilege of {', '.join(sorted({r for h in held_by.values() for r in h}))} on "
        f"{', '.join(f'{md_name(t)}' for t in held_by)}: only roles granted explicitly (e.g. `service_role`) "
        "reach the rows.",
        tuple(up), tuple(down), checks,
        risks=(
            Risk("breaking", "Every API request to these tables fails with `permission denied` (client code "
                 "that reads them must move to a server with the service role)."),
            Risk("data", "No row changes."),
            Risk("lock", "REVOKE and GRANT take ACCESS SHARE on the table: they wait only for ACCESS EXCLUSIVE."),
            Risk("reversibility", "down.sql grants back exactly what the migrations leave each role."),
        ),
        impact=ctx.impact(list(held_by)),
    )


def _unchanged(*extra: Risk, lock: str = "None.") -> tuple[Risk, ...]:
    """The risks of an option that runs nothing."""
    return (Risk("breaking", "None: nothing changes."), Risk("data", "None: nothing changes."), Risk("lock", lock),
            Risk("reversibility", "Nothing to undo; option A can follow at any time."), *extra)


def _rls(ctx: Context, did: str, findings: list) -> tuple[Decision | None, str]:
    tables = [f.data["table"] for f in findings if f.code == "rls-disabled"]
    exposed = [t for t in tables if ctx.schema.table(t).api_access]
    options = (_enable(ctx, did, tables), _revoke(ctx, did, tables))
    names = ", ".join(f"{md_name(t)}" for t in tables)
    if exposed:
        recommended = "A"
        why = "The tables are exposed to the API roles today; RLS with member policies keeps them usable from the API."
    else:
        recommended = "B"
        why = ("Nothing is exposed: the API roles hold no privilege already, and RLS would change nothing for the "
               "roles that reach the rows.")
    return Decision(did, decision_title(did, findings[0]),
                    f"Enable row level security on {names}, or keep it off with the API roles' privileges revoked?",
                    options, tuple(findings), recommended, why), ""


# add-policies -------------------------------------------------------------------------------------------


def _policies(ctx: Context, did: str, findings: list) -> tuple[Decision | None, str]:
    tables = [f.data["table"] for f in findings if f.code == "table-without-policy"]
    members = {t: m for t in tables if (m := membership(ctx, t)) is not None}
    if not members:
        return None, "no table without a policy has a foreign-key route to the user's entities: no policy to write"
    up, down = [], []
    for tbl, m in members.items():
        up.append(create_policy(m.policy("read"), tbl, "SELECT", m.condition, reads=m.reads))
        down.insert(0, drop_policy(m.policy("read"), tbl))
    entities = ", ".join(dict.fromkeys(f"{md_name(m.entity)}" for m in members.values()))
    listed = ", ".join(f"{md_name(t)}" for t in members)
    add = Option(
        did, "A", slug("A", "Add read policies"), f"Let the members of {entities} read their rows",
        f"A SELECT policy on {listed}: members of {entities} read the rows along each table's route to it, as "
        "the existing policies scope; writes stay with roles that bypass RLS (`service_role`).",
        tuple(up), tuple(down),
        (
            Check(
                "policy-name-free",
                policies_named_sql((t, m.policy("read")) for t, m in members.items()),
                "A row means a policy of that name exists already: up.sql would fail.",
                blocking=True,
            ),
            Check(
                "unreachable-rows",
                unmappable_sql({t: list(m.hops) for t, m in members.items()}),
                f"Rows with no route to {entities}: no API user reads them (service_role still does).",
            ),
        ),
        risks=(
            Risk("breaking", "None for what works today: API users start to read rows they saw none of."),
            Risk("data", "No row changes."),
            Risk("lock", "CREATE POLICY takes ACCESS EXCLUSIVE on the table: brief."),
            Risk("reversibility", "down.sql drops the policies."),
        ),
        impact=ctx.impact(list(members), effects={"policy": "read by the new policy's predicate"}),
    )
    keep = Option(
        did, "B", slug("B", "Keep it service-role only"), "Keep it service-role only",
        f"No policy: API users read nothing of {listed}; jobs and views that run as its owner or as "
        "`service_role` use it. Document that this is on purpose.",
        (), (), risks=_unchanged(),
        impact=ctx.impact(list(members)),
    )
    return Decision(did, decision_title(did, findings[0]),
                    f"Let API users read {listed} through a policy, or keep {'it' if len(members) == 1 else 'them'} "
                    "service-role only?",
                    (add, keep), tuple(findings), "B",
                    "A table with RLS on and no policy is usually written and read by jobs and views on purpose; "
                    "choose A if clients read it directly through the API."), ""


# index-foreign-keys -------------------------------------------------------------------------------------


def _indexes(ctx: Context, did: str, findings: list) -> tuple[Decision | None, str]:
    keys = [(f.data["table"], tuple(f.data["columns"])) for f in findings if f.code == "unindexed-foreign-key"]
    if not keys:
        return None, "no foreign key without an index"
    names = {k: ctx.index_name(k[0], k[1]) for k in keys}
    # CONCURRENTLY, in autocommit, whatever the size (schemalens.decide.phased): writes go on while each builds
    up = tuple(create_index_concurrently(names[k], k[0], list(k[1])) for k in keys)
    down = tuple(drop_index_concurrently(names[k], k[0]) for k in reversed(keys))
    listed = ", ".join(f"{md_name(t)} ({', '.join(c)})" for t, c in keys)
    create = Option(
        did, "A", slug("A", "Create the indexes"), "Create the indexes",
        f"An index on {listed}: deletes and key updates on the referenced table, joins and RLS checks on "
        "these columns stop scanning the table.",
        up, down,
        (
            Check(
                "name-free",
                "SELECT to_regclass(name) AS taken FROM (VALUES "
                + ", ".join(f"({literal(table(k[0].split('.')[0] + '.' + names[k]))})" for k in keys)
                + ") AS v(name) WHERE to_regclass(name) IS NOT NULL",
                "A row means a relation of that name exists already: up.sql would fail.",
                blocking=True,
            ),
            Check(
                "rows",
                row_counts_sql(dict.fromkeys(t for t, _ in keys)),
                "How many rows each index covers: the build reads them all (CONCURRENTLY: twice), while reads "
                "and writes go on.",
            ),
            volume_check([t for t, _ in keys]),
            invalid_index_check([(names[k], k[0]) for k in keys], "up"),
        ),
        risks=(
            Risk("breaking", "None: an index changes no query's result."),
            Risk("data", "No row changes; the index takes disk space and slows writes a little."),
            Risk("lock", "up.sql runs in autocommit: CREATE INDEX CONCURRENTLY takes SHARE UPDATE EXCLUSIVE on the "
                 "table (reads and writes go on) and waits for the transactions already running on it; a build "
                 "that fails leaves an INVALID index (preflight `invalid-index` says how to retry)."),
            Risk("reversibility", "down.sql drops the indexes CONCURRENTLY (in autocommit: reads and writes go on)."),
        ),
        impact=ctx.impact([t for t, _ in keys], [f"{t}.{c}" for t, cs in keys for c in cs], mention_columns=False),
    )
    keep = Option(
        did, "B", slug("B", "Leave them"), "Leave the foreign keys without an index",
        "Nothing to run: right for small tables whose referenced rows are rarely deleted.",
        (), (), risks=_unchanged(lock="Each delete of a referenced row scans the table (and holds its locks "
                                       "longer) as it grows."),
        impact=ctx.impact([t for t, _ in keys]),
    )
    return Decision(did, decision_title(did, findings[0]), f"Index the foreign-key columns {listed}, or leave them?",
                    (create, keep), tuple(findings), "A",
                    "An index built CONCURRENTLY blocks no write now and saves a scan on every delete of a referenced row."), ""


__all__ = ["build"]
