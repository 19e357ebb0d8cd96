# 维权向导 — run `make help` for the targets.
SHELL := /bin/bash
.DEFAULT_GOAL := help
VENV := .venv
RASA := $(VENV)/bin/rasa
PY := $(VENV)/bin/python
export TF_CPP_MIN_LOG_LEVEL ?= 2
export PYTHONWARNINGS ?= ignore::DeprecationWarning

.PHONY: tune rules-report law-import eval-conversations help install install-system train run shell test lint validate test-unit test-stories test-model clean eval purge bench

help: ## Show this help
	@grep -E '^[a-zA-Z_-]+:.*?## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*?## "}; {printf "  \033[36m%-14s\033[0m %s\n", $$1, $$2}'

install: ## Create .venv and install the pinned dependencies (skipped when up to date)
	@bash scripts/install.sh

install-system: ## Debian packages the browser tests need (chromium, CJK fonts; needs root or sudo)
	@bash scripts/install-system.sh

train: install ## Train a model if config, domain or data changed since the last one
	@bash scripts/train.sh

run: train ## Start the action server (5055) and Rasa (5005) on 127.0.0.1; Ctrl-C stops both
	@bash scripts/run.sh

shell: train ## Chat with the bot in the terminal (starts the action server too)
	@bash scripts/shell.sh

lint: install ## ruff over the Python code, then mypy over bot and actions
	@$(VENV)/bin/ruff check bot actions tests scripts
	@$(VENV)/bin/mypy bot actions

validate: install ## Every data file loaded and cross-checked, then rasa data validate (domain, data, stories)
	@$(PY) scripts/validate.py

test-unit: install ## Unit and action tests (no trained model needed)
	@$(VENV)/bin/pytest -q -m "not model and not e2e"

test-stories: train ## Test stories with --fail-on-prediction-errors
	@$(RASA) test core --stories tests/stories --model models --fail-on-prediction-errors --out results/stories

test-model: train ## Held-out NLU split (accuracy floor) and end-to-end REST conversation
	@$(VENV)/bin/pytest -q -m "model or e2e"

test: install-system lint validate train test-stories ## The whole suite: lint, validate, stories, unit, actions, channels, browser, NLU held-out, e2e (prints the slowest tests)
	@$(VENV)/bin/pytest -q --durations=12

clean: ## Remove trained models, results and local databases
	rm -rf models results var .pytest_cache

eval: train ## NLU report on the held-out split: per-intent P/R/F1, confusion matrix, baseline
	@$(PY) scripts/eval_nlu.py

eval-conversations: train ## Play the blind conversation suite against both servers; pass rate per kind of check
	@$(VENV)/bin/pytest -q -s -p no:cacheprovider tests/conversations

rules-report: install ## Every rule-book entry: kind of source, references, as_of age; flags entries older than 12 months
	@PYTHONPATH=. $(PY) scripts/rules_report.py

law-import: ## Copy the cited articles from ../shared/reference/law into data/law/articles.yml (CHECK=1: only compare)
	@$(PY) scripts/import_law.py $(if $(CHECK),--check,)

purge: install ## Delete conversations and cases untouched for DAYS days: make purge DAYS=90 [DRY_RUN=1] [FORCE=1]
	@test -n "$(DAYS)" || { echo "usage: make purge DAYS=N"; exit 2; }
	@bash -c 'source scripts/common.sh && load_env && apply_defaults && $(PY) -m bot.migrate && $(PY) -m bot.purge --days "$(DAYS)" $(if $(DRY_RUN),--dry-run) $(if $(FORCE),--force)'

tune: install ## Choose the readers' settings (knowledge threshold, C) by cross-validation on training data
	@PYTHONPATH=. $(PY) scripts/tune_models.py

bench: train ## Latency, throughput, memory, start-up vs a minimal Rasa model (prints a table)
	@$(PY) scripts/bench.py
