# lowlend — the two commands a newcomer needs: `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
HOST   ?= 127.0.0.1
PORT   ?= 8080
# test processes (pytest-xdist); `make test TEST_WORKERS=0` runs in one process
TEST_WORKERS ?= auto

.PHONY: run test venv lint typecheck translations-extract translations-update translations-compile benchmark clean

$(STAMP): setup.cfg pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "lowlend needs Python 3.11 or newer")'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

venv: $(STAMP)

translations-compile: $(STAMP)
	$(BIN)/pybabel compile -d translations

translations-extract: $(STAMP)
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext -k _ -w 100 -o translations/messages.pot .

translations-update: translations-extract
	$(BIN)/pybabel update -i translations/messages.pot -d translations --no-fuzzy-matching \
		-w 100 --ignore-obsolete

run: $(STAMP) translations-compile
	$(BIN)/lowlend run --host $(HOST) --port $(PORT)

test: $(STAMP) translations-compile
	$(BIN)/python -m pytest -q -n $(TEST_WORKERS) --dist loadfile $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check lowlend tests benchmarks config.py run.py

# all of lowlend; spec, domain and services strictly (setup.cfg)
typecheck: $(STAMP)
	$(BIN)/mypy lowlend

benchmark: $(STAMP)
	$(BIN)/python benchmarks/run_all.py

clean:
	rm -rf $(VENV) instance .pytest_cache .mypy_cache .ruff_cache
