# Mentor Match — the two commands are `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
# Seconds between runs of the scheduled rules (reminders, expiry, digests).
SCHEDULE_EVERY ?= 60
export DJANGO_SETTINGS_MODULE := mentormatch.settings

.PHONY: run test lint format bench venv lock clean

# The virtual environment is rebuilt whenever a lock file changes. Development and tests use
# requirements-dev.lock (the runtime pins of requirements.lock plus test and tooling packages);
# a production install (deploy/Dockerfile) uses requirements.lock alone.
$(VENV)/.installed: requirements.lock requirements-dev.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --require-hashes -r requirements-dev.lock
	touch $@

venv: $(VENV)/.installed

run: export SITE_URL ?= http://127.0.0.1:$(PORT)
run: venv
	$(BIN)/python manage.py migrate --no-input
	$(BIN)/python manage.py seed_demo --if-empty
	$(BIN)/python manage.py build_search_index
	@echo "Serving http://127.0.0.1:$(PORT) (Ctrl-C stops the site, the background workers and the scheduler)"
	@# Each worker and the scheduler is started again if it fails or is killed (deploy/keep-running):
	@# one worker for reminders and imports, two for emails and one for webhooks, so a slow mail server or
	@# webhook receiver holds up nothing else.
	@deploy/keep-running $(BIN)/python manage.py run_worker --queue-name default --interval 2 & worker=$$!; \
	  deploy/keep-running $(BIN)/python manage.py run_worker --queue-name email --interval 2 & email1=$$!; \
	  deploy/keep-running $(BIN)/python manage.py run_worker --queue-name email --interval 2 & email2=$$!; \
	  deploy/keep-running $(BIN)/python manage.py run_worker --queue-name webhooks --interval 2 & hooks=$$!; \
	  deploy/keep-running $(BIN)/python manage.py run_scheduler --interval $(SCHEDULE_EVERY) & scheduler=$$!; \
	  trap 'kill $$worker $$email1 $$email2 $$hooks $$scheduler 2>/dev/null' EXIT INT TERM; \
	  $(BIN)/python manage.py runserver 127.0.0.1:$(PORT)

test: venv
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: venv
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

bench: venv
	$(BIN)/python bench/seed.py
	command -v wrk >/dev/null || (apt-get install -y -qq wrk >/dev/null 2>&1 || echo "wrk missing: throughput will be skipped")
	$(BIN)/python bench/search.py
	$(BIN)/python bench/search_scale.py --members 100000
	$(BIN)/python bench/pages.py
	$(BIN)/python bench/import_members.py
	$(BIN)/python bench/report_csv.py
	$(BIN)/python bench/api_sync.py
	$(BIN)/python bench/cohort.py
	$(BIN)/python bench/cohort_round.py

# Re-pin every dependency: requirements.in -> requirements.lock (runtime), then
# requirements-dev.in -> requirements-dev.lock (the same pins plus tests and tooling). uv writes
# no index or wheel-folder lines of the machine it runs on.
lock: venv
	$(BIN)/python -m pip install --quiet uv
	$(BIN)/uv pip compile --quiet --generate-hashes --python-version 3.11 -o requirements.lock requirements.in
	$(BIN)/uv pip compile --quiet --generate-hashes --python-version 3.11 -o requirements-dev.lock requirements-dev.in

clean:
	rm -rf $(VENV) var/test-*
