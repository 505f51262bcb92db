# The two commands: `make run` and `make test`. Both set everything up on a fresh machine.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
SHARED ?= ../shared
PORT ?= 8000

.PHONY: run test bench lint format clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(VENV)/.installed $@

run: $(VENV)/.installed
	$(BIN)/docsift ingest --if-empty samples/news
	$(BIN)/docsift serve --port $(PORT)

test: $(VENV)/.installed-test
	$(BIN)/ruff check .
	$(BIN)/python -m pytest

bench: $(VENV)/.installed-test
	$(BIN)/python bench/decode_accuracy.py $(SHARED)/data/chardet_tests
	$(BIN)/python bench/extraction_quality.py $(SHARED)/data/article_extraction_dev
	$(BIN)/python bench/ner_quality.py $(SHARED)/data/conll2003
	$(BIN)/python bench/date_quality.py $(SHARED)/data/gum_wikinews_ner
	$(BIN)/python bench/ingest.py $(SHARED)/data/reuters21578/reuters.jsonl --keep bench/out/reuters
	$(BIN)/python bench/facets.py --home bench/out/reuters
	$(BIN)/python bench/reuters_people.py --home bench/out/reuters

lint: $(VENV)/.installed-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(VENV)/.installed-test
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf $(VENV) .docsift .pytest_cache .ruff_cache
