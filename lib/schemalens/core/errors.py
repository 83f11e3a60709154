"""The errors schemalens raises: one hierarchy, each naming the file (and line) it is about.

The CLI turns any :class:`SchemalensError` into exit status 2 and one line.
"""

from __future__ import annotations


class SchemalensError(Exception):
    """Bad input or an environment problem, stated in one line."""


class InputError(SchemalensError):
    """A migration folder, manifest or document that cannot be used as given."""

    def __init__(self, message: str, file: str | None = None, line: int | None = None):
        self.file, self.line, self.reason = file, line, message
        where = f"{file}:{line}: " if file and line else f"{file}: " if file else ""
        super().__init__(f"{where}{message}")


class ManifestError(InputError):
    """The manifest is malformed; names the key and line."""


class DatabaseError(SchemalensError):
    """PostgreSQL refused something or could not be reached (passwords are never in the message)."""


class ApplyError(DatabaseError):
    """A migration file failed on PostgreSQL; names the file, line and PostgreSQL's message."""

    def __init__(self, message: str, file: str, line: int | None = None):
        self.file, self.line, self.reason = file, line, message
        super().__init__(f"{file}:{line or 1}: {message}")
