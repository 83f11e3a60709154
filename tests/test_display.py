"""Jupyter shows the library's objects as Markdown through present/display.py, not through methods of theirs.

The objects of the earlier stages do not import ``present``; display.py registers each renderer with IPython
by the class's module and name. A class that moved would silently show as plain text, so every entry must
name a class that exists there, and what IPython shows is the renderer's Markdown.
"""

from __future__ import annotations

import importlib
import inspect

from schemalens import load_schema
from schemalens.core.model import Schema, Table
from schemalens.present import report
from schemalens.present.display import MARKDOWN, register, shown


def test_every_registered_name_is_a_class_of_that_module() -> None:
    for module, name in MARKDOWN:
        assert inspect.isclass(getattr(importlib.import_module(module), name, None)), f"{module}.{name}"


def test_ipython_shows_the_renderers_markdown(tmp_path) -> None:
    (tmp_path / "001_init.sql").write_text("CREATE TABLE t (id int PRIMARY KEY);\nCREATE TABLE u (t_id int REFERENCES t);")
    schema = load_schema(tmp_path)
    assert shown(schema) == report.schema_markdown(schema)
    assert "_repr_markdown_" not in vars(Schema)  # the model does not render itself


def test_registration_is_by_name_and_reaches_the_formatter() -> None:
    from IPython.core.formatters import MarkdownFormatter

    formatter = MarkdownFormatter()
    assert formatter(Schema(tables=(Table("public.t"),))) is None  # nothing registered: plain text only
    register(formatter)
    assert formatter(Schema(tables=(Table("public.t"),))).startswith("**Schema**: 1 tables")
