VENV := .venv
PY := $(VENV)/bin/python
PYTHON ?= python3
# shared/ is the Lambda layer: on Lambda its contents are on the path, so they are here too.
export PYTHONPATH := shared:.

# checkov pins its own boto3 and friends, which clash with the project's pins in one venv, so it
# gets a small venv of its own (inside .venv, so `make clean` and the ignore rules cover it).
CHECKOV_VERSION := 3.3.30
CHECKOV_VENV := $(VENV)/checkov

.PHONY: install lint test demo bench openapi clean

$(VENV)/.installed: requirements-dev.txt layers/dependencies/requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -r requirements-dev.txt
	touch $@

$(CHECKOV_VENV)/.installed-$(CHECKOV_VERSION):
	$(PYTHON) -m venv $(CHECKOV_VENV)
	$(CHECKOV_VENV)/bin/python -m pip install -q --upgrade pip
	$(CHECKOV_VENV)/bin/python -m pip install -q checkov==$(CHECKOV_VERSION)
	touch $@

install: $(VENV)/.installed $(CHECKOV_VENV)/.installed-$(CHECKOV_VERSION)

lint: $(VENV)/.installed $(CHECKOV_VENV)/.installed-$(CHECKOV_VERSION)
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(VENV)/bin/cfn-lint template.yaml
	$(VENV)/bin/lint-imports  # the layers of ENGINE.md (contracts in pyproject.toml)
	$(CHECKOV_VENV)/bin/checkov --config-file .checkov.yaml --quiet -f template.yaml

test: lint
	$(PY) -m pytest -q -n 2

PROVIDER ?= quickbooks_online

demo: $(VENV)/.installed
	$(PY) -m local.demo --provider $(PROVIDER)

bench: $(VENV)/.installed
	$(PY) -m local.bench

openapi: $(VENV)/.installed
	$(PY) -m local.openapi

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
