VENV := .venv
PY := $(VENV)/bin/python
PYTHON ?= python3
# shared/ is the Lambda layer: on Lambda its contents are on the path, so they are here too.
export PYTHONPATH := shared:.

.PHONY: install lint test demo bench clean

$(VENV)/.installed: requirements-dev.txt layers/dependencies/requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -r requirements-dev.txt
	touch $@

install: $(VENV)/.installed

lint: $(VENV)/.installed
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(VENV)/bin/cfn-lint template.yaml
	$(VENV)/bin/lint-imports  # the layers of ENGINE.md (contracts in pyproject.toml)

test: lint
	$(PY) -m pytest -q -n 2

demo: $(VENV)/.installed
	$(PY) -m local.demo

bench: $(VENV)/.installed
	$(PY) -m local.bench

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
