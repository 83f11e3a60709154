"""Migration text -> statements' text and tokens: split on the semicolons of sqlglot's PostgreSQL tokenizer
(which respects ``$$`` and ``$tag$`` bodies, quoted strings and comments), with a fallback splitter for
text the tokenizer refuses; each piece keeps its line."""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlglot.errors import SqlglotError
from sqlglot.tokens import Token, TokenType

from schemalens.read.dialect import _POSTGRES


def _line_at(text: str, offset: int, starts: list[int]) -> int:
    import bisect

    return bisect.bisect_right(starts, offset)


@dataclass(frozen=True)
class Piece:
    """One statement's text and tokens; token offsets and lines are relative to ``token_sql``."""

    line: int
    text: str
    tokens: list[Token] | None
    error: str = ""
    token_sql: str = ""
    token_line_offset: int = 0


_NEWLINE = re.compile("\n")


def split(text: str, file: str) -> list[Piece]:
    """The statements of a file; a piece's tokens are None when it would not tokenize."""
    starts = [0] + [m.end() for m in _NEWLINE.finditer(text)]
    try:
        tokens = _POSTGRES.tokenize(text)
    except SqlglotError:
        return _split_fallback(text, starts)
    out, current = [], []
    for tok in tokens:
        if tok.token_type == TokenType.SEMICOLON:
            if current:
                out.append(_piece(text, current, starts))
            current = []
        else:
            current.append(tok)
    if current:
        out.append(_piece(text, current, starts))
    return out


def _piece(text: str, toks: list[Token], starts: list[int]):
    start, end = toks[0].start, toks[-1].end + 1
    return Piece(_line_at(text, start, starts), text[start:end], toks, "", text, 0)


def _split_fallback(text: str, starts: list[int]):
    """When the whole file will not tokenize (an unterminated quote), split at ``;`` line ends."""
    out, pos = [], 0
    for m in re.finditer(r";[ \t]*(?:--[^\n]*)?\n|;\s*$", text):
        out.append((pos, m.start()))
        pos = m.end()
    if text[pos:].strip():
        out.append((pos, len(text)))
    pieces = []
    for a, b in out:
        chunk = text[a:b]
        lead = len(chunk) - len(chunk.lstrip())
        body = _strip_comments_ahead(chunk[lead:])
        if not body.strip():
            continue
        offset = a + lead + (len(chunk[lead:]) - len(body))
        try:
            toks = _POSTGRES.tokenize(body)
            err = ""
        except SqlglotError as e:
            toks, err = None, f"cannot tokenize: {str(e).splitlines()[0][:200]}"
        line = _line_at(text, offset, starts)
        pieces.append(Piece(line, body.rstrip(), toks, err, body, line - 1))
    return pieces


def _strip_comments_ahead(chunk: str) -> str:
    while True:
        s = chunk.lstrip()
        if s.startswith("--"):
            nl = s.find("\n")
            chunk = "" if nl < 0 else s[nl + 1:]
        elif s.startswith("/*") and "*/" in s:
            chunk = s[s.index("*/") + 2:]
        else:
            return s
