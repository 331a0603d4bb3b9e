# LearnApp — the README's commands. Python 3.11+ and Debian packages (installed when root).
VENV   := .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 5000
# learnapp serve/run/doctor read them too: without LEARNAPP_BASE_URL, links and
# certificates use http://HOST:PORT, and the app answers to HOST (see README).
export HOST PORT
PYTEST_ARGS ?=

.PHONY: run test test-only dev bench lint translations messages clean

$(BIN)/python:
	python3 -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

$(VENV)/.run-installed: pyproject.toml | $(BIN)/python
	scripts/system-packages.sh run
	$(BIN)/pip install -q -e .
	touch $@

$(VENV)/.test-installed: pyproject.toml $(VENV)/.run-installed
	scripts/system-packages.sh test
	$(BIN)/pip install -q -e '.[test]'
	touch $@

## translations: compile the French and Arabic catalogues (.po → .mo, not committed)
translations: $(VENV)/.run-installed
	$(BIN)/pybabel compile --statistics -d learnapp/translations

## messages: extract the UI strings and merge them into the .po catalogues
messages: $(VENV)/.run-installed
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext -o learnapp/translations/messages.pot .
	$(BIN)/pybabel update -i learnapp/translations/messages.pot -d learnapp/translations

## run: set everything up and serve on HOST:PORT (default 127.0.0.1:5000), the worker beside it
run: $(VENV)/.run-installed translations
	$(BIN)/learnapp db upgrade
	$(BIN)/learnapp users ensure-admin
	$(BIN)/learnapp courses check || echo "Some content has problems (see above); the valid courses are served."
	$(BIN)/learnapp worker & worker=$$!; \
	trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	$(BIN)/learnapp serve --host $(HOST) --port $(PORT)

## dev: the debug server with reload
dev: $(VENV)/.run-installed translations
	$(BIN)/learnapp db upgrade
	FLASK_DEBUG=1 $(BIN)/learnapp run --host $(HOST) --port $(PORT) --reload

## test: install what the tests need and run the whole suite
test: $(VENV)/.test-installed translations test-only

test-only:
	$(BIN)/pytest $(PYTEST_ARGS)

lint: $(VENV)/.test-installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

bench: $(VENV)/.test-installed translations
	scripts/system-packages.sh bench
	$(BIN)/python bench/run.py

clean:
	rm -rf $(VENV) instance .pytest_cache
