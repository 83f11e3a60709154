"""schemalens: what the migrations really build, against what the plan assumes.

>>> import schemalens, pathlib, tempfile
>>> d = pathlib.Path(tempfile.mkdtemp()); _ = (d / "001_init.sql").write_text("CREATE TABLE t (id int PRIMARY KEY);")
>>> [t.name for t in schemalens.load_schema(d).tables]
['public.t']
"""

from schemalens.core.errors import SchemalensError
from schemalens.core.memory import paused_gc, tune_gc
from schemalens.core.model import Schema
from schemalens.core.version import __version__
from schemalens.present import display as _display  # noqa: F401 (Jupyter shows the objects as Markdown)
from schemalens.read.project import load_schema, parse_files

__all__ = ["Schema", "SchemalensError", "__version__", "load_schema", "parse_files", "paused_gc", "tune_gc"]
