"""Invited users in a sign-up trigger: a profile row made before its auth user exists, linked by email.

An application that invites people often writes their profile row (``public.users``: key, email, the
client they join) before they sign up, under a key of its own. A trigger that only inserts
``(NEW.id, NEW.email) ON CONFLICT DO NOTHING`` then gives the invited user nothing on sign-up: the insert
conflicts on the email, and the invited row keeps a key no auth user has, so every policy comparing
``auth.uid()`` with it shows the new user nothing.

:func:`link` writes the PL/pgSQL that the trigger runs first: when exactly one row has the new user's
email (compared exactly, as stored) and a key that is no auth user's, that row takes the new user's
id. Two or more such rows are ambiguous: none is linked (the preflight :func:`ambiguous_check` lists
them). A link PostgreSQL refuses (rows of other tables point at the invited row through keys that do not
follow an update, or a row with the new id exists) leaves the invited row as it was, with a WARNING, and
the insert below runs as before. :func:`risk` says exactly that, for the option's risks.
"""

from __future__ import annotations

from schemalens.core.names import comment, md_name
from schemalens.decide.decisions import Check
from schemalens.decide.sqlgen import ident, table

AUTH_USERS = "auth.users"


def _unlinked(tbl: str, key: str, column: str, value: str) -> str:
    return (f"{table(tbl)} AS t WHERE t.{ident(column)} = {value}\n"
            f"      AND NOT EXISTS (SELECT FROM {table(AUTH_USERS)} AS a WHERE a.id = t.{ident(key)})")


def link(tbl: str, key: str, column: str = "email") -> str:
    """The trigger's first statements (indented for a ``BEGIN … END`` body; ``NEW`` is the auth user).

    >>> print(link("public.users", "id"))  # doctest: +ELLIPSIS
      -- an invited user: the one users row with this email and no auth user takes the new id
      IF (SELECT count(*) FROM public.users AS t WHERE t.email = NEW.email
          AND NOT EXISTS (SELECT FROM auth.users AS a WHERE a.id = t.id)) = 1 THEN
        BEGIN
          UPDATE public.users AS t SET id = NEW.id
          WHERE t.email = NEW.email
          AND NOT EXISTS (SELECT FROM auth.users AS a WHERE a.id = t.id);
          RETURN NEW;
        EXCEPTION WHEN foreign_key_violation OR unique_violation THEN
          RAISE WARNING 'invited row not linked to auth user %: %', NEW.id, SQLERRM;
        END;
      END IF;
    <BLANKLINE>
    """
    where = _unlinked(tbl, key, column, f"NEW.{ident(column)}")
    name = comment(f"{tbl.split('.')[-1]} row with this {column}")
    return (
        f"  -- an invited user: the one {name} and no auth user takes the new id\n"
        f"  IF (SELECT count(*) FROM {where}) = 1 THEN\n"
        f"    BEGIN\n"
        f"      UPDATE {table(tbl)} AS t SET {ident(key)} = NEW.id\n"
        f"      WHERE t.{ident(column)} = NEW.{ident(column)}\n"
        f"      AND NOT EXISTS (SELECT FROM {table(AUTH_USERS)} AS a WHERE a.id = t.{ident(key)});\n"
        f"      RETURN NEW;\n"
        f"    EXCEPTION WHEN foreign_key_violation OR unique_violation THEN\n"
        f"      RAISE WARNING 'invited row not linked to auth user %: %', NEW.id, SQLERRM;\n"
        f"    END;\n"
        f"  END IF;\n"
    )


def ambiguous_check(tbl: str, key: str, column: str = "email") -> Check:
    """The preflight: values of ``column`` held by more than one row that no auth user has (never linked)."""
    return Check(
        f"invited-ambiguous-{column}",
        f"SELECT t.{ident(column)}, count(*) AS rows FROM {table(tbl)} AS t\n"
        f"WHERE NOT EXISTS (SELECT FROM {table(AUTH_USERS)} AS a WHERE a.id = t.{ident(key)})\n"
        f"GROUP BY t.{ident(column)} HAVING count(*) > 1",
        f"Each row is a value of {column} that more than one {md_name(tbl)} row without an auth user has: a sign-up "
        f"with it links none of them (the trigger cannot tell which one was the invitation).",
    )


def risk(tbl: str, key: str, column: str = "email") -> str:
    """What the trigger does with an invited user, for the option's data risk."""
    return (
        f"A sign-up whose {column} exactly one {md_name(tbl)} row has while its {key} is no auth user's (an "
        f"invited user's row) links that row: its {key} becomes the new auth user's id and nothing is "
        f"inserted. When two or more such rows have the {column}, none is linked (preflight "
        f"`invited-ambiguous-{column}`) and a new row is inserted unless a unique value conflicts. When "
        f"PostgreSQL refuses the link (other rows point at the invited row through keys that do not follow an "
        f"update of {key}, or a row with the new id exists) the invited row stays as it was, a WARNING names "
        f"the auth user, and the sign-up goes on."
    )


__all__ = ["ambiguous_check", "link", "risk"]
