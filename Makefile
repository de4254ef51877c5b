# Two commands do everything on a fresh machine: `make run` and `make test` (see README.md).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
LOCALES := nl fr
CHROMIUM ?= /usr/bin/chromium

.PHONY: run test check lint setup test-setup load translations messages bench lighthouse hsds-valid chromium deploy-tools wrk images clean
.DEFAULT_GOAL := run

run: setup load
	$(BIN)/kring serve

# The whole suite starts with the lint and format check, so that CI (which runs this) fails on them too.
test: test-setup chromium deploy-tools lint
	$(BIN)/python -m pytest
	$(BIN)/python -m tests.crash

# Fast feedback (under a minute): ruff's lint and format check, then the tests that need no browser.
check: test-setup lint
	$(BIN)/python -m pytest -q --ignore=tests/browser

lint: test-setup
	$(BIN)/ruff check server tests bench web
	$(BIN)/ruff format --check server tests bench web

bench: test-setup load chromium wrk
	$(BIN)/python -m bench

# Lighthouse (npm, pinned in package.json) with Debian's Chromium: the four scores of each main page, in each
# language. Not part of `make test`: its figures depend on the machine.
lighthouse: test-setup chromium
	$(BIN)/python -m bench.lighthouse

# The HSDS export against the official HSDS 3.0 JSON Schemas, which are not in the project: give their folder,
# `make hsds-valid HSDS_SCHEMAS=path/to/specification/schema/compiled` (openreferral/specification, 3.0).
hsds-valid: test-setup
	@test -n "$(HSDS_SCHEMAS)" || { echo "give HSDS_SCHEMAS=<the compiled folder of the HSDS 3.0 schemas>"; exit 2; }
	$(BIN)/python -m tests.hsds_valid $(HSDS_SCHEMAS)

setup: $(VENV)/.installed web/static/vendor/htmx.min.js translations

test-setup: setup $(VENV)/.installed-test node_modules/.package-lock.json

load: setup
	$(BIN)/kring load data

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml $(VENV)/.installed
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

# htmx comes from the npm registry at the version package-lock.json pins; nothing third-party is committed.
# The HTTP Observatory scanner (tests) would download the HSTS preload list in a postinstall script; scripts
# are off, and a local host is in no preload list, so it gets an empty one.
OBSERVATORY_PRELOAD := node_modules/@mdn/mdn-http-observatory/conf/hsts-preload.json

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --ignore-scripts --no-audit --no-fund
	test -f $(OBSERVATORY_PRELOAD) || echo '{}' > $(OBSERVATORY_PRELOAD)
	touch $@

web/static/vendor/htmx.min.js: node_modules/.package-lock.json
	mkdir -p web/static/vendor
	cp node_modules/htmx.org/dist/htmx.min.js $@

translations: $(VENV)/.installed $(foreach l,$(LOCALES),web/locales/$(l)/LC_MESSAGES/messages.mo)

web/locales/%/LC_MESSAGES/messages.mo: web/locales/%/LC_MESSAGES/messages.po
	$(BIN)/pybabel compile -d web/locales -D messages -l $* 2>&1 | grep -v '^compiling' || true
	@test -f $@ || { echo "could not compile $<"; exit 1; }

# After changing texts: extract them, then update the catalogs (and translate what is new).
messages: $(VENV)/.installed
	$(BIN)/pybabel extract --no-location --sort-output --width=100 -F babel.cfg -k N_ -o web/locales/messages.pot .
	$(foreach l,$(LOCALES),$(BIN)/pybabel update --no-fuzzy-matching --ignore-obsolete --width=100 -i web/locales/messages.pot -d web/locales -D messages -l $(l);)

# Browser tests drive Debian's Chromium; install it when apt can, else say what is missing.
chromium:
	@if [ ! -x "$(CHROMIUM)" ]; then \
	  if command -v apt-get >/dev/null && [ "$$(id -u)" = 0 ]; then \
	    echo "Installing Debian's chromium for the browser tests"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else \
	    echo "Chromium is missing at $(CHROMIUM) and apt-get cannot install it here."; \
	    echo "Install Debian's 'chromium' package (or set CHROMIUM=/path/to/chromium) and run make test again."; \
	    exit 1; \
	  fi; \
	fi

# The tests of the production setup use Debian's packages: nginx in front of `kring serve` with a certificate made
# by openssl (tests/test_proxy.py), bubblewrap to run the container's command read-only (tests/test_container.py),
# and ss from iproute2 to tell the workers apart (tests/test_workers.py). Installed when apt can, else named.
DEPLOY_TOOLS := nginx openssl bwrap ss
deploy-tools:
	@missing=""; for tool in $(DEPLOY_TOOLS); do \
	  command -v $$tool >/dev/null || [ -x /usr/sbin/$$tool ] || missing="$$missing $$tool"; \
	done; \
	if [ -n "$$missing" ]; then \
	  if command -v apt-get >/dev/null && [ "$$(id -u)" = 0 ]; then \
	    echo "Installing Debian's nginx, openssl, bubblewrap and iproute2 for the tests of the production setup"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx openssl bubblewrap iproute2 >/dev/null; \
	  else \
	    echo "Missing:$$missing, and apt-get cannot install them here."; \
	    echo "Install Debian's packages nginx, openssl, bubblewrap and iproute2, then run make test again."; \
	    exit 1; \
	  fi; \
	fi

# The throughput benchmark drives Debian's wrk; install it when apt can, else say what is missing.
wrk:
	@if ! command -v wrk >/dev/null; then \
	  if command -v apt-get >/dev/null && [ "$$(id -u)" = 0 ]; then \
	    echo "Installing Debian's wrk for the throughput benchmark"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; \
	  else \
	    echo "wrk is missing and apt-get cannot install it here: install Debian's 'wrk' package."; \
	    echo "make bench goes on and skips the throughput part."; \
	  fi; \
	fi

clean:
	rm -rf $(VENV) node_modules web/static/vendor var web/locales/*/LC_MESSAGES/*.mo

# Kring's icons and the manifest's screenshots (committed PNGs): run after a change of the look.
images: test-setup chromium load
	$(BIN)/python web/images.py
