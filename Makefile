# The two commands of the README: `make demo` and `make test`. Everything they need is
# installed here, into .venv, from the machine's python.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PACKAGES := sandbox tap-invoca tap-veinvoicing target-reconciled
PLUGINS := tap-invoca tap-veinvoicing target-reconciled
STAMP := $(VENV)/.installed

.PHONY: install test lint postgres demo emulators bench soak dist

install: $(STAMP)

$(STAMP): requirements-dev.txt $(foreach p,$(PACKAGES),$(p)/pyproject.toml)
	@echo "make install: creating $(VENV) with $(PYTHON) (once)"
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@echo "make install: upgrading pip"
	@$(BIN)/python -m pip install --quiet --upgrade pip
	@echo "make install: installing $(PACKAGES) (editable) and the tools of requirements-dev.txt"
	@echo "              (meltano, pytest, hypothesis, ruff, build, twine): about a minute on a fresh machine"
	@$(BIN)/python -m pip install --quiet $(foreach p,$(PACKAGES),-e ./$(p)) -r requirements-dev.txt
	@touch $@
	@echo "make install: done; $(VENV) is ready"

postgres:
	scripts/ensure-postgres

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

test: install postgres lint
	$(BIN)/pytest

demo: install
	$(BIN)/python scripts/demo.py

# Both emulators as the demo environment expects them (8401, 8402), until Ctrl-C.
emulators: install
	$(BIN)/python scripts/emulators.py

bench: install postgres
	$(BIN)/python -m bench

soak: install postgres
	$(BIN)/python -m tests.reliability.soak

# An sdist and a wheel of each plugin into dist/, checked as PyPI will (twine check --strict).
dist: install
	rm -rf dist
	$(foreach p,$(PLUGINS),$(BIN)/python -m build --installer uv --outdir dist $(p) &&) true
	$(BIN)/twine check --strict dist/*
