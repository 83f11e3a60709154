"""Row-level security an option adds for a tenant's members, one policy per command.

``FOR ALL`` with a membership condition lets every member of the tenant change and delete every row
of it, and permissive policies are OR-ed with the owner's. So the options write instead:

* ``SELECT``: the members of the entity (``<col> IN (<chain>)``);
* ``INSERT`` / ``UPDATE`` / ``DELETE``: the row's owner (``<owner> = auth.uid()``), and the new row must
  stay in one of the user's tenants (``WITH CHECK``); with no owner column, nobody through the API
  (``writes="none"``, the service role bypasses RLS) or the members (``writes="members"``, a widening
  the option must declare);
* a ``BEFORE INSERT OR UPDATE`` trigger that derives the scope column from the owner along the route,
  so no user can set it to another tenant (:func:`derive_trigger`). Its function is ``SECURITY
  DEFINER`` with an empty ``search_path``, and ``EXECUTE`` is revoked from PUBLIC and the API roles.
"""

from __future__ import annotations

from schemalens.core.names import comment, dollar_quote
from schemalens.decide.sqlgen import (
    Step,
    create_policy,
    create_trigger,
    drop_function,
    drop_policy,
    drop_trigger,
    ident,
    short,
    singular,
    step,
    table,
)

API_ROLES = ("anon", "authenticated")
COMMANDS = ("SELECT", "INSERT", "UPDATE", "DELETE")
VERBS = {"SELECT": "read", "INSERT": "add", "UPDATE": "change", "DELETE": "delete"}


def policy_name(entity: str, tbl: str, command: str, owner: str | None) -> str:
    who = f"{singular(entity).capitalize()} members" if command == "SELECT" or owner is None else "Owners"
    return f"{who} can {VERBS[command]} {short(tbl)}"


def member_policies(
    tbl: str, entity: str, col: str, chain: str, reads: list[str], owner: str | None = None,
    writes: str = "owner",
) -> tuple[list, list]:
    """``(up steps, down steps)``: a policy per command (see the module docstring)."""
    member = f"{ident(col)} IN ({chain})"
    mine = f"{ident(owner)} = auth.uid()" if owner else None
    plan = {"SELECT": (member, None)}
    if writes == "members" or (writes == "owner" and mine):
        using = mine or member
        check = f"{mine} AND {member}" if mine else member
        plan.update({"INSERT": (None, check), "UPDATE": (using, check), "DELETE": (using, None)})
    up, down = [], []
    for command, (using, check) in plan.items():
        name = policy_name(entity, tbl, command, owner if writes == "owner" else None)
        chained = member in (using or "") + (check or "")
        up.append(create_policy(name, tbl, command, using, check, reads=reads if chained else ()))
        down.insert(0, drop_policy(name, tbl))
    return up, down


def revoke_execute(function: str) -> Step:
    """``REVOKE EXECUTE`` on a trigger function from PUBLIC and the API roles (Supabase grants them EXECUTE
    on every new function by default): only its trigger runs it."""
    return step(f"REVOKE EXECUTE ON FUNCTION {table(function)}() FROM PUBLIC, {', '.join(API_ROLES)}",
                note=f"only the trigger runs {short(function)}()")


def derive_trigger(tbl: str, col: str, owner: str, value_sql: str, trigger_name: str,
                   function: str) -> tuple[list, list]:
    """``(up, down)``: a trigger that sets ``col`` from ``owner`` on every insert and update.
    ``value_sql``: a query of the value for the owner ``$1`` (written with ``NEW.<owner>``)."""
    body = (
        f"CREATE FUNCTION {table(function)}()\nRETURNS trigger\nLANGUAGE plpgsql\nSECURITY DEFINER\n"
        "SET search_path = ''\n"
        "AS " + dollar_quote(
            f"\nBEGIN\n  -- {comment(f'derived from {owner}')}: a user cannot put the row in another tenant\n"
            f"  NEW.{ident(col)} := ({value_sql});\n  RETURN NEW;\nEND;\n", "fn")
    )
    up = [
        step(body,  # plpgsql: the tables it reads are not opened (nor locked) until it runs
             note=f"function {short(function)}() deriving {short(tbl)}.{col} (SECURITY DEFINER, empty "
                  "search_path)"),
        revoke_execute(function),
        create_trigger(trigger_name, tbl, "BEFORE", f"INSERT OR UPDATE OF {ident(owner)}, {ident(col)}",
                       function),
    ]
    down = [drop_trigger(trigger_name, tbl), drop_function(function)]
    return up, down
