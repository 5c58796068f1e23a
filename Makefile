# Pindai: every target sets itself up (venv, Python packages, Debian packages)
# when something is missing, so a fresh clone needs only `make demo` or `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
# Debian packages: zbar for pyzbar, Chromium for the kiosk screen and browser tests,
# DejaVu fonts for label sheets and generated demo media.
APT_PACKAGES := libzbar0 chromium fonts-dejavu-core
# The SIP2 tests: Perl modules of the SIP2 test peer (Evergreen's SIPServer,
# ../shared/peers/sip2-peer) and openssl for the TLS test's self-signed certificate.
APT_PACKAGES += libnet-server-perl libxml-libxml-perl libxml-simple-perl libuniversal-require-perl \
	libcache-memcached-perl openssl
# Perl's prove and Clone: Evergreen's SIP2 conformance suite, run against Pindai's SIP2 server.
APT_PACKAGES += perl libclone-perl
# Deployment tests (tests/test_deploy.py): nginx serves the service over TLS with
# deploy/nginx's configuration; cage (the kiosk screen's compositor) lets
# systemd-analyze verify deploy/systemd's kiosk units.
APT_PACKAGES += nginx-light cage
# espeak-ng: the speech synthesizer behind generated narration (GET /api/v1/books/<id>/narration,
# "Bacakan" on kiosks whose Chromium has no voices), Indonesian and English voices included;
# encoded to Ogg/Opus by PyAV's FFmpeg, so no encoder package is needed.
APT_PACKAGES += espeak-ng
# jing: the OPDS 1.2 feeds checked against the official RELAX NG schema (tests/content_service/test_opds.py).
APT_PACKAGES += jing
# wrk: the loopback load generator of `make bench`.
BENCH_APT_PACKAGES := wrk
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
export PINDAI_DEMO_DIR ?= instance/demo
# The suite runs in one pytest worker per core (pytest-xdist, at most 4), a test
# file per worker at a time (its module fixtures, e.g. a SIP2 peer, start once).
# TEST_WORKERS=0 runs it in this process alone.
TEST_WORKERS ?= $(shell n=$$(nproc 2>/dev/null || echo 1); [ $$n -gt 4 ] && n=4; echo $$n)
XDIST := $(if $(filter 0,$(TEST_WORKERS)),,-n $(TEST_WORKERS) --dist loadfile)

.PHONY: setup system-deps test test-fast lint demo bench docs clean translations

setup: system-deps $(STAMP) node_modules/.package-lock.json

system-deps:
	@missing=""; \
	for p in $(APT_PACKAGES) $(EXTRA_APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "Installing Debian packages:$$missing"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing; \
	fi

$(STAMP): pyproject.toml
	@[ -x $(PY) ] || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dev]'
	@touch $@

# Front-end files the kiosk serves (model-viewer, axe-core) from the npm registry,
# reinstalled when package-lock.json changes; never fetched from a CDN at run time.
node_modules/.package-lock.json: package.json package-lock.json
	@command -v npm >/dev/null || { $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq npm; }
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

test: setup
	$(VENV)/bin/pytest $(XDIST) $(PYTEST_ARGS)

# The suite without a browser, PostgreSQL, the peers or the demo's processes:
# for the edit-test loop (markers in pyproject.toml).
FAST_MARKERS := not browser and not postgresql and not peers and not slow
test-fast: setup
	$(VENV)/bin/pytest $(XDIST) -m "$(FAST_MARKERS)" $(PYTEST_ARGS)

# Lint: ruff (bug-catching rules, no formatter) and mypy (a baseline that passes),
# both configured in pyproject.toml.
lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy

demo: setup
	$(PY) -m content_service.demo.run

# The generated tables in docs/ (settings); tests/test_docs.py fails when they are stale.
docs: setup
	$(PY) -m tests.docgen

bench: setup
	@$(MAKE) --no-print-directory system-deps EXTRA_APT_PACKAGES="$(BENCH_APT_PACKAGES)"
	@for b in benchmarks/bench_*.py; do echo "== $$b"; $(PY) $$b || exit 1; done

# Gettext catalogues: extract every message into a template (.pot), merge it into each
# language's messages.po (new entries come in untranslated: translate them, the tests check).
PYBABEL := $(VENV)/bin/pybabel
translations: setup
	# content service catalogues: _()/ngettext/_l in its Python and templates, compiled to the
	# .mo files the service reads (commit the .po and .mo files together; docs/translations.md)
	$(PYBABEL) -q extract -F content_service/babel.cfg -k _l -k lazy_ngettext:1,2 --add-location=file --sort-output \
	  --project=Pindai --version=0.1.0 --copyright-holder="Pindai contributors" \
	  -o content_service/translations/messages.pot content_service \
	  && $(PYBABEL) -q update -i content_service/translations/messages.pot -d content_service/translations \
	  --no-fuzzy-matching --ignore-obsolete --width=100 --ignore-pot-creation-date \
	  && $(PYBABEL) compile -d content_service/translations --statistics
	# kiosk catalogues: the screens' JS (t, nt, pt, N_) and the kiosk templates
	$(PYBABEL) -q extract -F kiosk/babel.cfg -k t -k nt:1,2 -k pt:1c,2 -k N_ -c TRANSLATORS: --sort-by-file --width=100 \
	  --project=Pindai-kiosk --copyright-holder="Pindai contributors" -o kiosk/translations/messages.pot kiosk \
	  && $(PYBABEL) -q update -i kiosk/translations/messages.pot -d kiosk/translations --no-fuzzy-matching --ignore-obsolete --width=100

clean:
	rm -rf $(VENV) instance build *.egg-info
