"""What a migration folder was written for: its platform (Supabase or plain PostgreSQL) and its runner.

Both are read from the folder itself, each with the reasons that decided it, and both can be overridden
(the manifest's ``platform:``, the command line's ``--platform``). The platform decides which objects a
throwaway database needs before the files run (Supabase's schemas, roles and ``auth.users``) and which
general checks apply (row-level security matters where the API roles reach the tables); the runner
decides how files are applied (one transaction per file or none) and which bookkeeping tables exist.

>>> detect_runner(["2019-02-26-002946_create_users/up.sql"]).name
'diesel'
>>> detect_runner(["V1__init.sql", "V2__users.sql"]).name
'flyway'
>>> detect_runner(["1_init.up.sql", "2_users.up.sql"]).name
'golang-migrate'
>>> detect_runner(["20240101120000_init/migration.sql", "migration_lock.toml"]).name
'prisma'
>>> detect_platform(["001_init.sql"], ["CREATE POLICY p ON t USING (auth.uid() = user_id);"]).name
'supabase'
>>> detect_platform(["001_init.sql"], ["CREATE TABLE t (id int);"]).name
'postgres'
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

PLATFORMS = ("supabase", "postgres")
RUNNERS = ("supabase", "diesel", "rails", "golang-migrate", "flyway", "prisma", "drizzle", "pop",
           "postgres-migrations", "plain")


@dataclass(frozen=True)
class Detected:
    """A detected (or given) platform or runner, and why."""

    name: str
    reasons: tuple[str, ...]
    given: bool = False

    def __str__(self) -> str:
        how = "given" if self.given else "; ".join(self.reasons) or "default"
        return f"{self.name} ({how})"


_DIESEL_DIR = re.compile(r"(^|/)\d{4}-\d{2}-\d{2}-\d{6}(-\d+)?_[^/]+/up\.sql$")
_FLYWAY = re.compile(r"(^|/)[VvRr]\d+(?:[._]\d+)*__[^/]+\.sql$")
_GOLANG = re.compile(r"(^|/)\d+_[^/]+\.up\.sql$")
_PRISMA = re.compile(r"(^|/)\d{14}_[^/]+/migration\.sql$")
_SUPABASE_FILE = re.compile(r"(^|/)\d{14}_[^/]+\.sql$")
_DRIZZLE = re.compile(r"(^|/)\d{4}_[a-z_]+\.sql$")
POP_TEMPLATE = re.compile(r'\{\{\s*index\s+\.Options\s+"Namespace"\s*\}\}')
_POSTGRES_MIGRATIONS = re.compile(r"(?m)^\s*--\s*postgres-migrations\s+(disable-transaction|ignore)\b")

# What only a Supabase project writes: its auth and storage schemas, its API roles, its helpers.
_SUPABASE_TEXT = (
    (re.compile(r"\bauth\s*\.\s*(uid|jwt|role|email)\s*\(", re.IGNORECASE), "calls auth.uid()/auth.jwt()"),
    (re.compile(r"\bauth\s*\.\s*users\b", re.IGNORECASE), "references auth.users"),
    (re.compile(r"\bstorage\s*\.\s*(objects|buckets)\b", re.IGNORECASE), "references storage.objects/buckets"),
    (re.compile(r"\bto\s+(anon|authenticated|service_role)\b", re.IGNORECASE), "grants to Supabase's API roles"),
    (re.compile(r"\bsupabase_realtime\b", re.IGNORECASE), "uses the supabase_realtime publication"),
)


Marks = tuple[tuple[str, ...], tuple[int, ...]]  # what text_marks finds in one file


def detect_runner(paths: Sequence[str], texts: Iterable[str] = ()) -> Detected:
    """The runner a folder's layout belongs to, from its relative paths (and, for drizzle, its texts)."""
    paths = [p.replace("\\", "/") for p in paths]

    def share(pattern: re.Pattern[str]) -> int:
        return sum(1 for p in paths if pattern.search(p))

    sql = [p for p in paths if p.endswith(".sql")] or paths
    texts = list(texts)
    if any(POP_TEMPLATE.search(t) for t in texts):
        return Detected("pop", ('Go templates {{ index .Options "Namespace" }} (gobuffalo pop, supabase/auth)',))
    if any(_POSTGRES_MIGRATIONS.search(t) for t in texts):
        return Detected("postgres-migrations", ("-- postgres-migrations markers",))
    if any(p.endswith("structure.sql") for p in sql):
        return Detected("rails", ("a Rails structure.sql",))
    if share(_DIESEL_DIR):
        return Detected("diesel", (f"{share(_DIESEL_DIR)} dated folders with up.sql (diesel)",))
    if share(_PRISMA) or any(p.endswith("migration_lock.toml") for p in paths):
        return Detected("prisma", ("folders with migration.sql (Prisma Migrate)",))
    if share(_FLYWAY) * 2 >= len(sql):
        return Detected("flyway", (f"{share(_FLYWAY)} files named V<n>__<name>.sql (Flyway)",))
    if share(_GOLANG) * 2 >= len(sql):
        return Detected("golang-migrate", (f"{share(_GOLANG)} files named <n>_<name>.up.sql",))
    if any("supabase/migrations" in p for p in paths) or share(_SUPABASE_FILE) * 2 > len(sql) > 0:
        return Detected("supabase", ("files named <14-digit timestamp>_<name>.sql (Supabase CLI)",))
    if any("--> statement-breakpoint" in t for t in texts) or (share(_DRIZZLE) * 2 > len(sql) > 0
                                                                 and any("/meta/" in p for p in paths)):
        return Detected("drizzle", ("statement breakpoints (drizzle-kit)",))
    return Detected("plain", ("numbered files applied in order",))


# A folder that creates these schemas itself is the service that owns them (supabase/auth, supabase/storage,
# hasura-auth), not a project that relies on Supabase having created them.
_CREATES_OWN = re.compile(r"\bcreate\s+(?:schema|table)\s+(?:if\s+not\s+exists\s+)?\"?(auth|storage)\"?\s*(?:;|\.|\s)",
                          re.IGNORECASE)


POP_NAMESPACE = "auth"  # what supabase/auth configures as pop's Namespace option (its DB_NAMESPACE)


def render_templates(text: str) -> str:
    """The text as gobuffalo pop hands it to PostgreSQL: supabase/auth's ``{{ index .Options "Namespace" }}``
    rendered as ``auth`` (a Go template is never SQL, so this changes nothing else).

    >>> render_templates('CREATE TABLE {{ index .Options "Namespace" }}.users (id uuid);')
    'CREATE TABLE auth.users (id uuid);'
    """
    return POP_TEMPLATE.sub(POP_NAMESPACE, text) if "{{" in text else text


def owned_schemas(texts: Iterable[str]) -> tuple[str, ...]:
    """The Supabase schemas (``auth``, ``storage``) the files create tables or the schema in themselves.

    >>> owned_schemas(["CREATE TABLE IF NOT EXISTS auth.users (id uuid);", "CREATE TABLE t (id int);"])
    ('auth',)
    """
    return tuple(sorted({m.group(1).lower() for text in texts for m in _CREATES_OWN.finditer(text)}))


def text_marks(text: str) -> Marks:
    """What :func:`detect_platform` reads in one file: the Supabase schemas it creates itself, and which of
    the Supabase-only uses it makes (indexes into ``_SUPABASE_TEXT``). Kept per file content between runs
    (:mod:`schemalens.read.marks`): the expressions over every file took 0.05-0.08 s of a run on lemmy.

    >>> text_marks("CREATE POLICY p ON t TO authenticated USING (auth.uid() = user_id);")
    ((), (0, 3))
    """
    return owned_schemas([text]), tuple(i for i, (pattern, _) in enumerate(_SUPABASE_TEXT) if pattern.search(text))


def detect_platform(paths: Sequence[str], texts: Iterable[str], given: str | None = None,
                    marks: Sequence[Marks] | None = None) -> Detected:
    """``supabase`` when the files use what only a Supabase project has, else ``postgres``.

    ``given`` (from the manifest or the command line) wins; it must be one of :data:`PLATFORMS`. Files that
    create the ``auth`` or ``storage`` schema themselves are that service, not a project on Supabase:

    >>> detect_platform(["1_init.up.sql"], ["CREATE SCHEMA auth; CREATE TABLE auth.users (id uuid);"]).name
    'postgres'
    """
    if given is not None:
        if given not in PLATFORMS:
            raise ValueError(f"platform {given!r} is not one of {', '.join(PLATFORMS)}")
        return Detected(given, (), given=True)
    reasons: list[str] = []
    if any("supabase/migrations" in p.replace("\\", "/") for p in paths):
        reasons.append("files under supabase/migrations")
    marks = [text_marks(t) for t in texts] if marks is None else marks  # the texts' :func:`text_marks`, if known
    owned = tuple(sorted({schema for own, _ in marks for schema in own}))
    for _, uses in marks:  # in the order of the files, then of the expressions
        for i in uses:
            if _SUPABASE_TEXT[i][1] not in reasons:
                reasons.append(_SUPABASE_TEXT[i][1])
    if owned and not any("supabase/migrations" in r for r in reasons):
        own = " and ".join(owned)
        return Detected("postgres", (f"the files create the {own} schema themselves",))
    return Detected("supabase", tuple(reasons)) if reasons else Detected("postgres", ("no Supabase objects used",))


__all__ = ["PLATFORMS", "POP_NAMESPACE", "POP_TEMPLATE", "RUNNERS", "Detected", "Marks", "detect_platform",
           "detect_runner", "owned_schemas", "render_templates", "text_marks"]
