# schemalens: `make report` runs the main job on the sample, `make test` runs every test.
# Both create .venv and install requirements.txt the first time (Python 3.11+ and make are all they need).

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell cat requirements.txt pyproject.toml | cksum | cut -d' ' -f1)
MIGRATIONS ?= data/revos/migrations
MANIFEST   ?= data/revos/manifest.yaml
REPORTS    ?= reports

.PHONY: report test venv clean

venv: $(STAMP)

$(STAMP): requirements.txt pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "schemalens needs Python 3.11+; set PYTHON=python3.11")'
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.txt
	@rm -f $(VENV)/.installed-* && touch $@

report: $(STAMP)
	@mkdir -p $(REPORTS)
	$(BIN)/schemalens graph $(MIGRATIONS) --format json --output $(REPORTS)/graph.json
	$(BIN)/schemalens graph $(MIGRATIONS) --format mermaid --output $(REPORTS)/graph.mmd
	@echo "reports written to $(REPORTS)/"

test: $(STAMP)
	$(BIN)/python -m pytest

clean:
	rm -rf $(VENV) $(REPORTS)
