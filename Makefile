# Two commands on a fresh machine: `make demo` and `make test`. Both create .venv/ first.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: demo test venv kafka-fetch bench models clean

venv: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[test]'
	touch $(STAMP)

demo: $(STAMP)
	$(VENV)/bin/riskstream replay --input examples/demo_turns.jsonl --cases .demo/cases.jsonl --scores .demo/scores.jsonl --summary

kafka-fetch: $(STAMP)
	$(PY) dev/kafka.py fetch

test: $(STAMP) kafka-fetch
	$(PY) -m pytest -q -p no:cacheprovider tests

bench: $(STAMP) kafka-fetch
	$(PY) bench/run_all.py

clean:
	rm -rf $(VENV) .demo .cache
