# The two commands of README.md:
#   make book   builds the HTML book into _build/html
#   make test   runs every test: unit tests, notebook sync, nbval over every chapter, and a
#               warnings-as-errors build of the book
# Both create (or reuse) the virtual environment .venv and install everything into it.

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
VENDOR := book_static/vendor
# nbval runs two notebooks side by side, each with one BLAS/OpenMP thread (two threads each
# oversubscribe a 2-core machine); the book build runs one notebook at a time with the default.
NOTEBOOK_THREADS ?= 1
export PYDEVD_DISABLE_FILE_VALIDATION := 1

.PHONY: book test unit notebooks build-check sync bench vendor clean

$(BIN)/.installed: requirements.txt pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt -e .
	touch $@

# MathJax, RequireJS and the ipywidgets HTML embedder from the npm registry, so the built pages
# render formulas and widgets offline. Without npm the pages use the public CDNs instead.
$(VENDOR)/.done:
	@if command -v npm >/dev/null 2>&1; then \
	  set -e; tmp=$$(mktemp -d); \
	  (cd $$tmp && npm pack --silent mathjax@3.2.2 requirejs@2.3.8 @jupyter-widgets/html-manager@1.0.15 >/dev/null); \
	  mkdir -p $(VENDOR)/mathjax/es5 $(VENDOR)/html-manager; \
	  tar xzf $$tmp/mathjax-3.2.2.tgz -C $$tmp && cp $$tmp/package/es5/tex-svg-full.js $(VENDOR)/mathjax/es5/tex-svg.js; \
	  rm -rf $$tmp/package && tar xzf $$tmp/requirejs-2.3.8.tgz -C $$tmp && cp $$tmp/package/require.js $(VENDOR)/; \
	  rm -rf $$tmp/package && tar xzf $$tmp/jupyter-widgets-html-manager-1.0.15.tgz -C $$tmp && cp -r $$tmp/package/dist/. $(VENDOR)/html-manager/; \
	  rm -rf $$tmp; touch $@; \
	else echo "npm not found: the book will load MathJax and ipywidgets from CDNs"; fi

vendor: $(VENDOR)/.done

book: $(BIN)/.installed vendor
	$(BIN)/jupyter-book build --all .
	@echo "Open _build/html/index.html"

unit: $(BIN)/.installed
	$(BIN)/python -m pytest -q -n 2 tests

notebooks: $(BIN)/.installed
	OMP_NUM_THREADS=$(NOTEBOOK_THREADS) $(BIN)/python -m pytest -q -n 2 --dist loadfile --nbval-lax --nbval-current-env chapters

build-check: $(BIN)/.installed vendor
	$(BIN)/jupyter-book build --all -W -n --keep-going .

test: unit notebooks build-check

# After editing a chapter's .md, refresh its paired .ipynb (outputs are not committed).
sync: $(BIN)/.installed
	$(BIN)/jupytext --to ipynb chapters/[0-9]*.md

bench: $(BIN)/.installed
	$(BIN)/python -m li2lib.bench

clean:
	rm -rf _build
