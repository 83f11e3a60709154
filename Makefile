# schemalens: `make report` runs the main job on the sample, `make test` runs every test.
# Both create .venv and install requirements.txt the first time (Python 3.11+ and make are all they need).

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell cat requirements.txt pyproject.toml | cksum | cut -d' ' -f1)
MIGRATIONS ?= data/revos/migrations
MANIFEST   ?= data/revos/manifest.yaml
REPORTS    ?= reports

.PHONY: report test venv clean lab

venv: $(STAMP)

$(STAMP): requirements.txt pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "schemalens needs Python 3.11+; set PYTHON=python3.11")'
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.txt
	@rm -f $(VENV)/.installed-* && touch $@

# The main job: findings (Markdown in the seed's shape, JSON, SARIF), the decisions with every option's
# SQL rehearsed on a throwaway database, the FK graph, and the notebooks run on the same inputs and
# exported to HTML and slides. An option whose rehearsal fails makes `decisions` exit 1: reported,
# and the reports are still written (the leading "-"). Findings never fail this target (see --fail-on in CI use).
report: $(STAMP)
	@mkdir -p $(REPORTS)
	$(BIN)/schemalens report $(MIGRATIONS) --manifest $(MANIFEST) --fail-on never --output $(REPORTS)/findings.md
	$(BIN)/schemalens report $(MIGRATIONS) --manifest $(MANIFEST) --fail-on never --format json --output $(REPORTS)/findings.json
	$(BIN)/schemalens report $(MIGRATIONS) --manifest $(MANIFEST) --fail-on never --format sarif --output $(REPORTS)/findings.sarif
	-$(BIN)/schemalens decisions $(MIGRATIONS) --manifest $(MANIFEST) --rehearse --output $(REPORTS)/decisions.md
	$(BIN)/schemalens graph $(MIGRATIONS) --format json --output $(REPORTS)/graph.json
	$(BIN)/schemalens graph $(MIGRATIONS) --format mermaid --output $(REPORTS)/graph.mmd
	@$(MAKE) --no-print-directory notebook-reports
	-$(BIN)/python -m schemalens.present.browser $(REPORTS)/notebooks/3.0-decisions.slides.html $(REPORTS)  # screenshots: needs Chromium
	@echo "reports written to $(REPORTS)/: findings.md, findings.json, findings.sarif, decisions.md, graph.json, graph.mmd, notebooks/ (HTML, meeting HTML, slides with reveal.js/), slides-first.png, slides-decision.png"

test: $(STAMP)
	$(BIN)/python -m pytest

clean:
	rm -rf $(VENV) $(REPORTS)

# JupyterLab on notebooks/, from the venv (the kernel is the venv's python3, as for `make notebooks`).
lab: $(STAMP)
	$(BIN)/jupyter lab --notebook-dir=notebooks $(if $(filter 0,$(shell id -u)),--allow-root)

# Notebooks (notebooks/*.ipynb). The kernel is "python3" from the venv: its kernelspec starts the
# python that runs jupyter, so no kernel needs registering and a fresh machine needs only .venv.
# `make notebooks` re-executes each one in place (working directory: notebooks/), so what is committed
# is executed and nbval (make test) compares against it. `make notebook-reports` runs them with
# papermill on MIGRATIONS/MANIFEST (paths as given to make; papermill runs from this folder) into
# $(REPORTS)/notebooks/: the executed notebook, NAME.html with code, NAME.meeting.html without, and
# for the decisions notebook NAME.slides.html (reveal.js, without code, one decision per slide; reveal.js
# is copied beside it from the rise package, so nothing loads from the internet): `schemalens notebooks`,
# see lib/schemalens/present/notebook_reports.py. `make report` then screenshots two slides in headless Chromium (where Chromium is missing it says so and the reports stand).
NOTEBOOKS := $(sort $(wildcard notebooks/*.ipynb))

.PHONY: notebooks notebook-reports

notebooks: $(STAMP)
	$(BIN)/jupyter nbconvert --to notebook --execute --inplace --ExecutePreprocessor.kernel_name=python3 \
		--ExecutePreprocessor.record_timing=False $(NOTEBOOKS)

notebook-reports: $(STAMP)
	$(BIN)/schemalens notebooks $(MIGRATIONS) $(NOTEBOOKS) --manifest $(MANIFEST) --output $(REPORTS)/notebooks
