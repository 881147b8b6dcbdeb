# The two commands of README.md, each doing all its own set-up on a fresh machine:
#   make book   builds the HTML book into _build/html
#   make pdf    prints the book to _build/html/li2-book.pdf (needs Chromium)
#   make test   runs every test: unit tests and notebook sync, every chapter executed once from
#               an empty folder against the built wheel (as in Colab), a warnings-as-errors build
#               of the book from those outputs, and a headless-browser pass over every page
# Both create (or reuse) the virtual environment .venv and install everything into it.
# `make jupyter` only creates the environment for reading the chapters in JupyterLab.

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
VENDOR := book_static/vendor
BUILD := _build
WHEEL := $(BUILD)/wheel
# A Colab-like environment: li2lib only from the wheel, everything else shared with .venv.
COLAB := $(BUILD)/colab-env
EXECUTED := $(BUILD)/executed
CACHE := $(EXECUTED)/cache
NOTEBOOKS := $(sort $(wildcard chapters/*.ipynb))
RUNS := $(patsubst chapters/%.ipynb,$(EXECUTED)/%.ipynb,$(NOTEBOOKS))
LIBRARY := pyproject.toml README.md LICENSE $(shell find li2lib -type f -not -path '*/__pycache__/*')
# Chapters run two at a time, each kernel with one BLAS/OpenMP thread (two threads each
# oversubscribe a 2-core machine).
JOBS ?= 2
NOTEBOOK_THREADS ?= 1
BOOK_FROM_OUTPUTS = LI2_EXECUTED=$(CACHE) $(BIN)/jupyter-book build --all
export PYDEVD_DISABLE_FILE_VALIDATION := 1
# Every package at the version CI passed with (constraints.txt); `make ... CONSTRAINTS=` resolves
# freshly instead (another Python or platform).
CONSTRAINTS ?= constraints.txt
PIP_CONSTRAINTS := $(if $(CONSTRAINTS),-c $(CONSTRAINTS))
# MKL (torch's matrix products on x86) picks its code path by processor: an Intel processor with
# AVX-512 and an AMD one round differently, and a trained network amplifies the difference.
# Pinning the AVX2 branch makes runs agree across x86 machines (li2lib sets the same default).
export MKL_CBWR ?= AVX2
# make test-seeds: every chapter again with LI2_SEED_OFFSET=k for each k here, on 2 threads.
SEED_OFFSETS ?= 1 2
SEED_THREADS ?= 2

.PHONY: book pdf test test-seeds unit chapters build-check browser-check sync bench vendor jupyter wheel clean constraints

$(BIN)/.installed: requirements.txt pyproject.toml $(CONSTRAINTS)
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt $(PIP_CONSTRAINTS) -e .
	touch $@

# After changing requirements.txt: resolve it freshly in a scratch environment and write every
# resulting version into constraints.txt.
constraints:
	rm -rf $(BUILD)/resolve && $(PYTHON) -m venv $(BUILD)/resolve
	$(BUILD)/resolve/bin/python -m pip install --quiet --upgrade pip
	$(BUILD)/resolve/bin/python -m pip install --quiet -r requirements.txt
	{ sed -n '1,/^[^#]/{/^#/p}' constraints.txt; $(BUILD)/resolve/bin/python -m pip freeze | sed 's/+cpu$$//'; } > constraints.new
	mv constraints.new constraints.txt && rm -rf $(BUILD)/resolve

# Only what a reader needs to run the chapters in JupyterLab (no book or test toolchain).
$(BIN)/.jupyter: requirements-jupyter.txt requirements.txt pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements-jupyter.txt -e ".[widgets]"
	touch $@

jupyter: $(BIN)/.jupyter
	@echo "Ready: $(BIN)/jupyter lab chapters/   (open NN_name.ipynb, or the .md with Jupytext)"

# MathJax from the npm registry, so the built pages render formulas offline. Without npm the
# pages load it from a public CDN instead.
$(VENDOR)/.done:
	@if command -v npm >/dev/null 2>&1; then \
	  set -e; tmp=$$(mktemp -d); \
	  (cd $$tmp && npm pack --silent mathjax@3.2.2 >/dev/null); \
	  mkdir -p $(VENDOR)/mathjax/es5; \
	  tar xzf $$tmp/mathjax-3.2.2.tgz -C $$tmp && cp $$tmp/package/es5/tex-svg-full.js $(VENDOR)/mathjax/es5/tex-svg.js; \
	  rm -rf $$tmp; touch $@; \
	else echo "npm not found: the book will load MathJax from a CDN"; fi

vendor: $(VENDOR)/.done

# The wheel a reader gets from `pip install` of the repository, built from a copy of the
# package's files (so the build leaves nothing in the source tree).
$(WHEEL)/.built: $(BIN)/.installed $(LIBRARY)
	rm -rf $(WHEEL) $(BUILD)/wheel-src && mkdir -p $(BUILD)/wheel-src
	cp -r pyproject.toml README.md LICENSE li2lib $(BUILD)/wheel-src/
	find $(BUILD)/wheel-src -name __pycache__ -prune -exec rm -rf {} +
	$(BIN)/python -m pip wheel --quiet --no-deps --no-build-isolation -w $(WHEEL) $(BUILD)/wheel-src
	touch $@

wheel: $(WHEEL)/.built

$(COLAB)/.installed: $(WHEEL)/.built
	rm -rf $(COLAB) && $(BIN)/python -m venv --without-pip $(COLAB)
	site=$$($(COLAB)/bin/python -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])') && \
	$(BIN)/python -m pip install --quiet --no-deps --target $$site $(WHEEL)/*.whl && \
	$(BIN)/python -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])' > $$site/shared-with-venv.pth
	touch $@

# One chapter, executed once, alone in an empty folder, against the wheel.
$(EXECUTED)/%.ipynb: chapters/%.ipynb $(COLAB)/.installed
	OMP_NUM_THREADS=$(NOTEBOOK_THREADS) $(COLAB)/bin/python book_ext/run_chapters.py execute $< $@

$(CACHE)/expected.json: $(RUNS)
	$(BIN)/python book_ext/run_chapters.py cache $(RUNS) --into $(CACHE)

chapters: $(BIN)/.installed
	$(MAKE) -k -j$(JOBS) $(CACHE)/expected.json

book: $(BIN)/.installed vendor chapters
	$(BOOK_FROM_OUTPUTS) .
	@echo "Open _build/html/index.html"

# The printable edition, _build/html/li2-book.pdf: the whole book as one HTML page (Sphinx's
# singlehtml builder, from the same executed outputs), printed by headless Chromium with MathJax
# typeset, offline. (Jupyter Book's own routes do not build here: pdfhtml needs pyppeteer, which
# downloads a browser, and pdflatex a TeX installation.) The one page is written at the root
# document's path, chapters/intro.html, with links relative to the folder above; it is printed
# from a copy there.
CHROMIUM ?= $(firstword $(shell command -v chromium chromium-browser google-chrome 2>/dev/null))
pdf: $(BIN)/.installed vendor chapters
	@test -n "$(CHROMIUM)" || { echo "make pdf needs Chromium (Debian: apt-get install chromium)"; exit 1; }
	LI2_EXECUTED=$(CACHE) $(BIN)/jupyter-book build --builder singlehtml .
	cp $(BUILD)/singlehtml/chapters/intro.html $(BUILD)/singlehtml/book.html
	mkdir -p $(BUILD)/html
	$(CHROMIUM) --headless --no-sandbox --disable-gpu --disable-dev-shm-usage --no-first-run \
	  --host-resolver-rules="MAP * ~NOTFOUND" --run-all-compositor-stages-before-draw \
	  --virtual-time-budget=60000 --no-pdf-header-footer \
	  --print-to-pdf=$(BUILD)/html/li2-book.pdf file://$(abspath $(BUILD)/singlehtml/book.html)
	@echo "Wrote $(BUILD)/html/li2-book.pdf"

unit: $(BIN)/.installed
	$(BIN)/python -m pytest -q -n 2 tests

build-check: $(BIN)/.installed vendor chapters
	$(BOOK_FROM_OUTPUTS) -W -n --keep-going .

# Headless Chromium over every page (book_ext/check_pages.py). Without Chromium it says so and
# passes, except in CI (CI=true), where .ci/run installs it and its absence is a failure.
browser-check: $(BIN)/.installed
	$(BIN)/python book_ext/check_pages.py $(BUILD)/html $(if $(CI),--require)

test: unit chapters build-check browser-check

# Every chapter, alone from an empty folder as in `make chapters`, once for each seed offset
# (LI2_SEED_OFFSET, see li2lib.seeding): each claim must hold on other seeds too. Runs every
# chapter even when one fails, then lists the failures.
test-seeds: $(COLAB)/.installed
	@start=$$(date +%s); failed=""; \
	for k in $(SEED_OFFSETS); do for nb in $(NOTEBOOKS); do \
	  LI2_SEED_OFFSET=$$k OMP_NUM_THREADS=$(SEED_THREADS) $(COLAB)/bin/python book_ext/run_chapters.py \
	    execute $$nb $(BUILD)/seeds-$$k/$$(basename $$nb) || failed="$$failed $$(basename $$nb)@k=$$k"; \
	done; done; \
	echo "test-seeds: offsets $(SEED_OFFSETS), $$(( $$(date +%s) - start )) s"; \
	if [ -n "$$failed" ]; then echo "test-seeds FAILED:$$failed"; exit 1; fi

# After editing a chapter's .md (or the repository in _config.yml): write the install cell and
# refresh each chapter's paired .ipynb (outputs are not committed).
sync: $(BIN)/.installed
	$(BIN)/python book_ext/install_cell.py
	$(BIN)/jupytext --update --to ipynb $$(grep -l '^jupytext:' chapters/*.md)

bench: $(BIN)/.installed
	$(BIN)/python -m li2lib.bench

clean:
	rm -rf $(BUILD)
