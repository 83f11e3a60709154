"""Notebooks as reports: run each on a migration folder and manifest, and export it for a meeting.

:func:`write_reports` is what ``make notebook-reports`` runs (``schemalens notebooks``). For each
notebook, papermill executes it with the given parameters (``migrations``, ``manifest``, paths as the
working directory sees them) into ``folder/NAME.ipynb``, and nbconvert writes beside it:

* ``NAME.html``: the whole notebook, code included, for engineers;
* ``NAME.meeting.html``: narrative and outputs only, for a meeting;
* ``NAME.slides.html`` for the notebooks in ``slides`` (default ``3.0-decisions``): reveal.js slides
  without code, one decision per slide (:func:`split_decisions`), long slides scrolling.

Everything works without internet access. The pages load nothing from a CDN (no jQuery, require.js,
MathJax); the slides load reveal.js 3.9 from the folder ``reveal.js`` written beside them, copied from
the ``rise`` package (:func:`copy_reveal`; ``reveal``: another prefix with the same layout). Figures
are inline SVG in the exports (papermill runs the kernel with ``SCHEMALENS_FIGURES=svg``, see
:mod:`schemalens.present.plot`): sharp at any zoom, text searchable. Status marks (the rehearsal verdicts'
emoji) become small inline SVG with a text label (:data:`MARKS`), since a meeting-room browser may
have no emoji font. The meeting HTML and the slides leave out prompts (``Out[n]``) and the cells
tagged ``how-to-run`` (how to run papermill or make: for engineers, in ``NAME.html``).

The templates in ``templates/`` are nbconvert's, plus each figure's alt text (:mod:`schemalens.present.plot`
stores the figure's title as the output's ``alt`` metadata; nbconvert's templates leave it out). A cell that
fails stops that notebook with an :class:`~schemalens.core.errors.InputError` naming the notebook, the cell
and the error; the executed notebook, error included, is kept for reading.

Exports run in this process (one nbconvert for all files), papermill starts one kernel per notebook.
"""

from __future__ import annotations

import importlib.resources
import os
import re
import shutil
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from schemalens.core.errors import InputError
from schemalens.core.files import write_text

SLIDES = ("3.0-decisions",)
TEMPLATES = importlib.resources.files("schemalens") / "templates"
HOW_TO_RUN = "how-to-run"   # cell tag: instructions for engineers, left out of meeting pages and slides
REVEAL = "reveal.js"        # the folder beside the slides that holds reveal.js
REVEAL_FILES = ("js/reveal.js", "css/reveal.css", "css/theme/white.css", "lib/font/source-sans-pro", "LICENSE")
DECISION = re.compile(r'<div data-decision="[^"]*"></div>')  # Meeting.section's mark before each decision


def _svg(colour: str, shape: str, label: str) -> str:
    return (f'<svg class="mark" role="img" aria-label="{label}" width="14" height="14" viewBox="0 0 14 14" '
            f'style="vertical-align:-2px"><circle cx="7" cy="7" r="7" fill="{colour}"/>'
            f'<path d="{shape}" stroke="#fff" stroke-width="2" fill="none"/></svg>')


_CHECK, _CROSS, _BAR, _BANG = "M3.5 7.2l2.4 2.4 4.6-5", "M4.3 4.3l5.4 5.4M9.7 4.3l-5.4 5.4", "M3.5 7h7", "M7 3v5M7 9.8v1.2"
MARKS = {
    "\u2705": _svg("#2e8b3a", _CHECK, "yes"),            # proven, no row, ran
    "\u274c": _svg("#c0392b", _CROSS, "no"),             # failed, critical
    "\u26d4": _svg("#c0392b", _BAR, "refused"),          # refused, blocking rows
    "\u26a0": _svg("#d68910", _BANG, "warning"),         # warning, unsafe
    "\u2139": _svg("#2e6da4", "M7 6v5M7 3v1.4", "info"),  # info
}


def marks(page: str) -> str:
    """Emoji status marks replaced by inline SVG with a text label (:data:`MARKS`).

    >>> marks("8 \u2705 proven") == "8 " + MARKS["\u2705"] + " proven"
    True
    """
    for emoji, svg in MARKS.items():
        page = page.replace(emoji + "\ufe0f", svg).replace(emoji, svg)
    return page


def _preprocessors(code: bool) -> list:
    from nbconvert.preprocessors import TagRemovePreprocessor

    return [] if code else [TagRemovePreprocessor(remove_cell_tags={HOW_TO_RUN}, enabled=True)]


def html(nb: Any, code: bool = True) -> str:
    """The notebook as one HTML page (``code=False``: for a meeting, outputs and narrative only, no prompts,
    no how-to-run cells)."""
    from nbconvert import HTMLExporter

    exporter = HTMLExporter(template_file=str(TEMPLATES / "html.j2"), exclude_input=not code,
                            exclude_output_prompt=not code, exclude_input_prompt=not code,
                            preprocessors=_preprocessors(code))
    return marks(exporter.from_notebook_node(nb)[0])


def split_decisions(nb: Any) -> Any:
    """A copy of ``nb`` where an output holding several decisions (:meth:`Meeting.section`) becomes one
    slide per decision: the first stays on its cell's slide, each further one starts a new slide."""
    import copy

    import nbformat

    out = copy.deepcopy(nb)
    cells = []
    for cell in out.cells:
        texts = [o.get("data", {}).get("text/markdown", "") for o in cell.get("outputs", [])]
        parts = DECISION.split(texts[0]) if len(texts) == 1 else []
        marks_ = DECISION.findall(texts[0]) if len(texts) == 1 else []
        if len(marks_) < 2:
            cells.append(cell)
            continue
        head = parts[0]
        for i, (mark, body) in enumerate(zip(marks_, parts[1:])):
            piece = copy.deepcopy(cell)
            piece.outputs[0].data = {"text/markdown": (head if i == 0 else "") + mark + body}
            if i:
                piece.metadata["slideshow"] = {"slide_type": "slide"}
                piece.id = f"{cell.get('id', 'cell')}-{i}"
            cells.append(piece)
    out.cells = [nbformat.from_dict(c) for c in cells]
    return out


def slides(nb: Any, reveal: str | None = None) -> str:
    """The notebook as reveal.js slides without code, one decision per slide; a slide longer than the
    screen scrolls. ``reveal``: where reveal.js 3.9 is loaded from (default: ``reveal.js`` beside the
    slides, see :func:`copy_reveal`)."""
    from nbconvert import SlidesExporter

    exporter = SlidesExporter(template_file=str(TEMPLATES / "slides.j2"), exclude_input=True,
                              exclude_output_prompt=True, exclude_input_prompt=True,
                              reveal_url_prefix=reveal or REVEAL, preprocessors=_preprocessors(False))
    return marks(exporter.from_notebook_node(split_decisions(nb))[0])


def copy_reveal(folder: str | Path) -> Path:
    """reveal.js (script, styles, the white theme and its font) copied from the ``rise`` package into
    ``folder/reveal.js``."""
    import rise

    source = Path(rise.__file__).parent / "static" / "reveal.js"
    target = Path(folder) / REVEAL
    for item in REVEAL_FILES:
        src, dst = source / item, target / item
        dst.parent.mkdir(parents=True, exist_ok=True)
        if src.is_dir():
            shutil.copytree(src, dst, dirs_exist_ok=True)
        else:
            shutil.copyfile(src, dst)
    return target


def kernel_transport() -> dict[str, Any]:
    """Papermill's keyword for a kernel that talks over local sockets (ZeroMQ ``ipc``), not TCP: a kernel on
    TCP listens on localhost ports any local user can reach and warns so on stderr at every start
    (``Kernel is running over TCP without encryption``). Windows has no ``ipc``: TCP there."""
    if os.name != "posix":
        return {}
    from jupyter_client.manager import KernelManager

    class LocalKernelManager(KernelManager):
        def __init__(self, **kwargs: Any) -> None:
            kwargs.setdefault("transport", "ipc")
            super().__init__(**kwargs)

    return {"kernel_manager_class": LocalKernelManager}


def run(notebook: str | Path, output: str | Path, parameters: Mapping[str, Any], cwd: str | Path = ".") -> Any:
    """Execute ``notebook`` with papermill into ``output`` (kernel ``python3``, working directory ``cwd``).
    Papermill writes as it goes, into a temporary file beside ``output``; the result (also a failed run,
    for reading) is then written to ``output`` with :func:`schemalens.core.files.write_text`."""
    import nbformat
    import papermill
    from papermill.exceptions import PapermillExecutionError

    before = os.environ.get("SCHEMALENS_FIGURES")
    os.environ["SCHEMALENS_FIGURES"] = "svg"  # the kernel inherits it: figures as SVG for the exports
    output = Path(output)
    temp = output.with_name(f".{output.name}.{os.getpid()}.tmp.ipynb")

    def keep(nb: Any) -> Any:
        nb.metadata.setdefault("papermill", {})["output_path"] = str(output)
        write_text(output, nbformat.writes(nb))
        return nb

    try:
        return keep(papermill.execute_notebook(str(notebook), str(temp), parameters=dict(parameters),
                                               cwd=str(cwd), kernel_name="python3", progress_bar=False,
                                               log_output=False, **kernel_transport()))
    except PapermillExecutionError as e:
        keep(nbformat.read(str(temp), as_version=4))
        reason = f"{e.ename}: {e.evalue}".strip().splitlines()[0]
        raise InputError(f"cell {e.exec_count} failed: {reason} (the run, with its error: {output})",
                         str(notebook)) from None
    finally:
        if before is None:
            os.environ.pop("SCHEMALENS_FIGURES", None)
        else:
            os.environ["SCHEMALENS_FIGURES"] = before
        temp.unlink(missing_ok=True)


def parameter_names(notebook: str | Path) -> set[str]:
    """The names the notebook's ``parameters`` cell assigns (papermill's reading of it; nothing runs)."""
    import papermill

    return set(papermill.inspect_notebook(str(notebook)))


def check_parameters(notebooks: Iterable[str | Path], names: Iterable[str]) -> None:
    """Refuse a parameter name that no notebook's ``parameters`` cell defines (papermill writes each
    name into Python code: anything else would run as code); :class:`InputError` listing the names. A
    notebook that does not exist is left to its own run, which fails naming it beside the others."""
    defined: set[str] = set()
    for notebook in notebooks:
        if Path(notebook).is_file():
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
            if reveal is None:
                copy_reveal(out)
        written.append(out / path.name)
        for file, text in pages.items():
            write_text(out / file, text)
            written.append(out / file)
    return written


__all__ = ["MARKS", "SLIDES", "TEMPLATES", "check_parameters", "copy_reveal", "html", "marks", "parameter_names", "run",
           "slides", "split_decisions", "write_reports"]
