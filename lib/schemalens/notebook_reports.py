"""Notebooks as reports: run each on a migration folder and manifest, and export it for a meeting.

:func:`write_reports` is what ``make notebook-reports`` runs (``schemalens notebooks``). For each
notebook, papermill executes it with the given parameters (``migrations``, ``manifest``, paths as the
working directory sees them) into ``folder/NAME.ipynb``, and nbconvert writes beside it:

* ``NAME.html``: the whole notebook, code included, for engineers;
* ``NAME.meeting.html``: narrative and outputs only, for a meeting;
* ``NAME.slides.html`` for the notebooks in ``slides`` (default ``3.0-decisions``): reveal.js slides
  without code, long slides scrolling. reveal.js itself loads from its CDN when the slides open, or
  from ``reveal`` (a local copy) for a room without internet access.

The templates in ``templates/`` are nbconvert's, plus each figure's alt text (:mod:`schemalens.plot`
stores the figure's title as the PNG's ``alt`` metadata; nbconvert's templates leave it out). A cell that
fails stops that notebook with an :class:`~schemalens.errors.InputError` naming the notebook, the cell
and the error; the executed notebook, error included, is kept for reading.

Exports run in this process (one nbconvert for all files), papermill starts one kernel per notebook.
"""

from __future__ import annotations

import importlib.resources
import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from schemalens.errors import InputError
from schemalens.files import write_text

SLIDES = ("3.0-decisions",)
TEMPLATES = importlib.resources.files("schemalens") / "templates"


def html(nb: Any, code: bool = True) -> str:
    """The notebook as one HTML page (``code=False``: for a meeting, outputs and narrative only)."""
    from nbconvert import HTMLExporter

    exporter = HTMLExporter(template_file=str(TEMPLATES / "html.j2"), exclude_input=not code)
    return exporter.from_notebook_node(nb)[0]


def slides(nb: Any, reveal: str | None = None) -> str:
    """The notebook as reveal.js slides without code; a slide longer than the screen scrolls. ``reveal``:
    where reveal.js is loaded from (default: its CDN; a folder or URL with ``dist/reveal.js`` for a
    meeting room without internet access)."""
    from nbconvert import SlidesExporter

    extra = {"reveal_url_prefix": reveal} if reveal else {}
    exporter = SlidesExporter(template_file=str(TEMPLATES / "slides.j2"), exclude_input=True, reveal_scroll=True,
                              **extra)
    return exporter.from_notebook_node(nb)[0]


def run(notebook: str | Path, output: str | Path, parameters: Mapping[str, Any], cwd: str | Path = ".") -> Any:
    """Execute ``notebook`` with papermill into ``output`` (kernel ``python3``, working directory ``cwd``).
    Papermill writes as it goes, into a temporary file beside ``output``; the result (also a failed run,
    for reading) is then written to ``output`` with :func:`schemalens.files.write_text`."""
    import nbformat
    import papermill
    from papermill.exceptions import PapermillExecutionError

    output = Path(output)
    temp = output.with_name(f".{output.name}.{os.getpid()}.tmp.ipynb")

    def keep(nb: Any) -> Any:
        nb.metadata.setdefault("papermill", {})["output_path"] = str(output)
        write_text(output, nbformat.writes(nb))
        return nb

    try:
        return keep(papermill.execute_notebook(str(notebook), str(temp), parameters=dict(parameters),
                                               cwd=str(cwd), kernel_name="python3", progress_bar=False,
                                               log_output=False))
    except PapermillExecutionError as e:
        keep(nbformat.read(str(temp), as_version=4))
        reason = f"{e.ename}: {e.evalue}".strip().splitlines()[0]
        raise InputError(f"cell {e.exec_count} failed: {reason} (the run, with its error: {output})",
                         str(notebook)) from None
    finally:
        temp.unlink(missing_ok=True)


def parameter_names(notebook: str | Path) -> set[str]:
    """The names the notebook's ``parameters`` cell assigns (papermill's reading of it; nothing runs)."""
    import papermill

    return set(papermill.inspect_notebook(str(notebook)))


def check_parameters(notebooks: Iterable[str | Path], names: Iterable[str]) -> None:
    """Refuse a parameter name that no notebook's ``parameters`` cell defines (papermill writes each
    name into Python code: anything else would run as code); :class:`InputError` listing the names."""
    defined: set[str] = set()
    for notebook in notebooks:
        if not Path(notebook).is_file():
            raise InputError("no such notebook", str(notebook))
        defined |= parameter_names(notebook)
    for name in names:
        if not name.isidentifier() or name not in defined:
            raise InputError(f"-p {name!r}: not a parameter of these notebooks (their parameters cells define: "
                             f"{', '.join(sorted(defined)) or 'nothing'})")


def write_reports(
    notebooks: Iterable[str | Path],
    folder: str | Path,
    parameters: Mapping[str, Any],
    cwd: str | Path = ".",
    slides_of: Iterable[str] = SLIDES,
    reveal: str | None = None,
) -> list[Path]:
    """Run each notebook on ``parameters`` and write its reports into ``folder``; the files written."""
    out = Path(folder)
    if out.exists() and not out.is_dir():
        raise InputError("--output: a file is there; give a folder to write the reports into", str(out))
    out.mkdir(parents=True, exist_ok=True)
    slides_of = set(slides_of)
    written: list[Path] = []
    for notebook in notebooks:
        path = Path(notebook)
        if not path.is_file():
            raise InputError("no such notebook", str(path))
        name = path.stem
        nb = run(path, out / path.name, parameters, cwd)
        pages = {f"{name}.html": html(nb), f"{name}.meeting.html": html(nb, code=False)}
        if name in slides_of:
            pages[f"{name}.slides.html"] = slides(nb, reveal)
        written.append(out / path.name)
        for file, text in pages.items():
            write_text(out / file, text)
            written.append(out / file)
    return written


__all__ = ["SLIDES", "TEMPLATES", "check_parameters", "html", "parameter_names", "run", "slides", "write_reports"]
