"""Why a statement is unparsed, in words for the person who wrote it: what could not be read and where,
never the parser's internals (token reprs, class names, Python exceptions).

>>> unparsed_reason(IndexError("list index out of range"), "CREATE POLICY p ON", "create policy", 0)
'could not read this create policy statement: it ends before it is complete'
>>> unparsed_reason(ValueError("x"), 'ALTER TABLE {{ index .Options "Namespace" }}.users ADD x int', "alter table", 0)
'a template placeholder ({{ index .Options "Namespace" }}) that the migration runner fills in stands where SQL should be; the statement cannot be read as written'
"""

from __future__ import annotations

import re

_TEMPLATE = re.compile(r"\{\{.*?\}\}|\{%.*?%\}", re.DOTALL)
_TOKEN = re.compile(r"<Token token_type: [^,]+, text: (.*?), line: \d+, col: \d+, start: \d+, end: \d+, comments: \[.*?\]>")
_CLASS = re.compile(r"<class '(?:[\w]+\.)*(\w+)'>")
# messages the statement readers raise for users (ValueError with text written for them)
READABLE = (ValueError,)


def unparsed_reason(error: Exception, text: str, kind: str, line_offset: int) -> str:
    """One line: what in the statement could not be read, with the file's line and column when known."""
    template = _TEMPLATE.search(text)
    if template:
        return (f"a template placeholder ({' '.join(template.group(0).split())[:60]}) that the migration runner "
                "fills in stands where SQL should be; the statement cannot be read as written")
    what = f"could not read this {kind} statement"
    details = getattr(error, "errors", None)
    if details:  # a sqlglot parse error: its description, the text it stopped at, and where
        d = details[0]
        description = _clean(d.get("description") or "")
        near = " ".join((d.get("highlight") or "").split())
        where = f" at line {d['line'] + line_offset}, column {d['col']}" if d.get("line") else ""
        parts = [p for p in (description, f"near {near!r}" if near else "") if p]
        return f"{what}: {', '.join(parts)}{where}" if parts else f"{what}{where}"
    if isinstance(error, IndexError):
        return f"{what}: it ends before it is complete"
    if type(error) in READABLE and str(error):
        return f"{what}: {_clean(str(error).splitlines()[0])[:200]}"
    return f"{what}: its form is not one this tool reads"


def _clean(message: str) -> str:
    """A parser message without token and class reprs; sqlglot's "Line 1, Col: 7." tail dropped (the caller says where)."""
    message = _TOKEN.sub(lambda m: repr(m.group(1)), message)
    message = _CLASS.sub(lambda m: m.group(1), message)
    return re.sub(r"\.?\s*Line \d+, Col: \d+\.?\s*$", "", message).strip()
