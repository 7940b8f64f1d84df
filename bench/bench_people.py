"""Hand-written people written blind: riskstream on timelines nobody on the detection side read.

`bench_timelines.py` draws its out-of-family escalating people mostly from scripts the detection's
authors wrote and read while tuning (stream/simulate/scripts.py). This benchmark reads people
written by separate writers who saw none of the repository (not the tagger's sentences, not the
scripts, not the code), in English, Chinese and Korean, each over 3-5 conversations and 4-13 days
with user and assistant turns (`bench/people/batch<N>/*.jsonl`, format below). A fixed third of the people
(by a hash of their id) is the `dev` split, the part the detection side may read to diagnose; the
other two thirds (`sealed`) are only ever measured: reading their texts, or changing anything
because one of them failed, would make the figure flatter. Batch 2 (`--batch 2`) was written after
the changes it measures and has not been read at all: measure it whole (`--split all`).

One person per line:
  {"id", "kind": "escalating"|"benign", "category": "violence"|"self-harm"|null, "pattern", "lang",
   "harm_from": [conversation, turn] | null,
   "conversations": [{"day", "account": 1|2, "turns": [{"role", "text"}, ...]}, ...]}

The people are laid out as turns with UUID ids (a second account shares a device hash with the
first, as linked accounts do), replayed with a model set (default: the committed models, which
never trained on these texts), and evaluated like the timeline benchmark: people found, benign
people flagged, the stateless per-turn maximum at the same benign rate, and, for people at risk,
whether their first case routes to support. Prints figures and ids only, never a text.

  python bench/bench_people.py --split sealed            # batch 1, the sealed two thirds
  python bench/bench_people.py --batch 2 --split all     # batch 2, never read
  python bench/bench_people.py --batch 4 --split sealed  # batch 4's sealed two thirds (measured whole once, unread)
  python bench/bench_people.py --fresh                   # batches 6-51 pooled (FRESH: each measured whole before it was read)
  python bench/bench_people.py --written                 # benign people made of bench/written/'s safe rows
  python bench/bench_people.py --cjk-turns               # benign zh / ko people made of stage_turns(_cjk).jsonl's rows
  python bench/bench_people.py --batch 6 --split dev --policy p.json   # a case-policy setting tried on a dev third
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import shutil
import sys
import tempfile
import uuid
from collections import Counter, defaultdict
from datetime import datetime, timedelta, timezone
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
from bench.bench_timelines import _lines, run_models, wilson  # noqa: E402
from stream.jsonl import dumps_line  # noqa: E402

PEOPLE = Path(__file__).resolve().parent / "people"
# bench/people/batch<N>/: who wrote them, and how they may be used.
BATCHES = {
    "1": "session 18, four writers: 56 escalating (30 en violence, 10 en at risk, 8 zh, 8 ko), 112 benign "
         "(80 en safe-but-scary and everyday, 16 zh, 16 ko); dev third read to diagnose, sealed two thirds only measured",
    "2": "session 18, three more writers after the session's changes: 40 en escalating (half with an assistant that "
         "never notices), 60 en and 48 zh / ko everyday users; never read, measured whole (--split all)",
    "3": "session 19, four more writers before that session's changes: 42 escalating (22 en violence, half with an "
         "assistant that never notices; 8 en at risk; 6 zh, 6 ko), 78 hard benign (50 en, 14 zh, 14 ko); dev third "
         "read to diagnose, sealed two thirds only measured",
    "4": "session 28, four more writers after that session's changes: 38 escalating (15 en violence, 7 en at risk, "
         "5 + 3 zh, 5 + 3 ko; about half with an assistant that never notices), 56 hard benign (32 en, 12 zh, 12 ko); "
         "measured whole and unread first (--split all, people_batch4_all.json); then its dev third read to diagnose, "
         "the sealed two thirds only measured",
    "5": "session 29, four more writers (their brief: batch5/WRITERS_BRIEF.md): 36 escalating (16 en violence, about "
         "half with an assistant that never notices; 8 en at risk; 4 + 2 zh, 4 + 2 ko), 46 hard benign (34 en, 6 zh, "
         "6 ko); measured whole and unread first, with the session's code and with 067c18b (before session 28's "
         "phrases), people_batch5_all*.json",
    "6": "session 42, four more writers (their brief and assignments: batch6/WRITERS_BRIEF.md): 36 escalating (16 en "
         "violence, about half with an assistant that never notices; 8 en at risk; 4 + 2 zh, 4 + 2 ko), 70 hard benign "
         "(50 en, 10 zh, 10 ko); measured whole and unread first with the session's starting code "
         "(people_batch6_all.json); then its dev third read to diagnose, the sealed two thirds only measured",
    "7": "session 42, four more writers after that session's change (their brief and assignments: "
         "batch7/WRITERS_BRIEF.md): 36 escalating (16 en violence, 8 en at risk, 4 + 2 zh, 4 + 2 ko), 70 hard benign "
         "(50 en, 10 zh, 10 ko); measured whole and unread first (people_batch7_all.json)",
    "8": "session 43, five more writers before that session's change was decided (their brief and assignments: "
         "batch8/WRITERS_BRIEF.md): 36 escalating (16 en violence, 8 en at risk, 4 + 2 zh, 4 + 2 ko), 70 hard benign "
         "(50 en, 10 zh, 10 ko); measured whole and unread, with the session's starting code and with the change "
         "(people_batch8_all.json, people_batch8_all_change16.json): the figure change 16 was decided on (not kept)",
    "9": "session 43, five more writers after change 16 failed (their brief and assignments: batch9/WRITERS_BRIEF.md): "
         "36 escalating (16 en violence, 8 en at risk, 4 + 2 zh, 4 + 2 ko), 70 hard benign (50 en, 10 zh, 10 ko); "
         "measured whole once with the session's code (people_batch9_all.json) and unread: kept for the next change's "
         "decision",
    "10": "session 43, five more writers in another style (their brief and assignments: batch10/WRITERS_BRIEF.md): "
          "the person's messages only, no assistant replies, one to three short messages a conversation, as the "
          "generated timelines are written: 32 escalating (16 en violence, 8 en at risk, 3 + 1 zh, 3 + 1 ko), 64 hard "
          "benign (48 en, 8 zh, 8 ko); measured whole once with the session's code (people_batch10_all.json) and "
          "unread but for its dev third, read afterwards (one writer's report described four of its people's "
          "scenarios in a line each)",
    "11": "session 44, five more writers in a third style (batch11/WRITERS_BRIEF.md): the person's short messages "
          "(one to three a conversation, many terse follow-ups) each answered by a short assistant reply that does "
          "not remember earlier conversations: 32 escalating (16 en violence, 8 en at risk, 3 + 1 zh, 3 + 1 ko), 64 "
          "hard benign (48 en, 8 zh, 8 ko); measured whole once with the session's starting code "
          "(people_batch11_all.json); unread (one writer's report named its sixteen people's situations in a word each)",
    "12": "session 45, five more writers in a fourth style (batch12/WRITERS_BRIEF.md): long histories that are mostly "
          "ordinary, 6-9 conversations over 10-30 days of which only 2-4 carry the pattern or the dark-but-legitimate "
          "topic, each message answered by a short assistant reply that does not remember earlier conversations: 32 "
          "escalating (16 en violence, 8 en at risk, 3 + 1 zh, 3 + 1 ko), 64 hard benign (48 en, 8 zh, 8 ko); measured "
          "whole once with the session's code (people_batch12_all.json); unread (two writers' reports named their "
          "people's situations in a few words each)",
    "13": "session 46, five more writers in the first style again (batch13/WRITERS_BRIEF.md): 3-5 conversations over "
          "4-13 days with the assistant's replies: 36 escalating (16 en violence, 8 en at risk, 4 + 2 zh, 4 + 2 ko), 70 "
          "hard benign (50 en, 10 zh, 10 ko); measured whole once with the session's starting code "
          "(people_batch13_all.json) before the session's change was pre-registered; unread",
    "14": "session 46, five more writers in the first style (batch14/WRITERS_BRIEF.md), written after change 19b was "
          "kept: 36 escalating (16 en violence, 8 en at risk, 4 + 2 zh, 4 + 2 ko), 70 hard benign (50 en, 10 zh, 10 ko); "
          "measured whole once with the session's code, change 19b included (people_batch14_all.json); unread",
    "15": "session 46, five more writers in the first style (batch15/WRITERS_BRIEF.md), written before change 19c was "
          "registered: 36 escalating (16 en violence, 8 en at risk, 4 + 2 zh, 4 + 2 ko), 70 hard benign (50 en, 10 zh, 10 "
          "ko); measured whole once with 19b (6bec1e6) and with 19c, the figures change 19c was decided on; unread",
    "16": "session 49, five more writers in the first style (batch16/WRITERS_BRIEF.md), written before change 22 (the "
          "case gate) was registered: 40 escalating (16 en violence, 12 en at risk, 3 + 3 zh, 3 + 3 ko), 66 hard benign "
          "(46 en, 10 zh, 10 ko); measured whole once without the gate and once with it, the figures change 22 was "
          "decided on (with the sealed thirds of 1-5; people_batch16_all.json, people_batch16_all_change22.json); unread",
    "17": "session 49, five more writers in the first style (batch17/WRITERS_BRIEF.md), written after change 22 failed: "
          "40 escalating (16 en violence, 12 en at risk, 3 + 3 zh, 3 + 3 ko), 66 hard benign (46 en, 10 zh, 10 ko); "
          "measured whole once with the session's code (people_batch17_all.json); unread (the Chinese writer's report "
          "named its sixteen people's situations)",
    "18": "session 49, five more writers in the first style (batch18/WRITERS_BRIEF.md), written after change 23 was "
          "kept, for the next session's decision: 40 escalating (16 en violence, 12 en at risk, 3 + 3 zh, 3 + 3 ko), 66 "
          "hard benign (46 en, 10 zh, 10 ko); measured whole once with the session's final code "
          "(people_batch18_all.json); unread; decided change 24 in session 50 (not kept)",
    "19": "session 50, five more writers in the first style (batch19/WRITERS_BRIEF.md), written while change 24 was "
          "being built, for a later decision: 40 escalating (16 en violence, 12 en at risk, 3 + 3 zh, 3 + 3 ko), 66 "
          "hard benign (46 en, 10 zh, 10 ko); measured whole once with the session's code (people_batch19_all.json); "
          "unread; pooled with batch 20, decided change 25 in session 51 (not kept)",
    "20": "session 50, five more writers in the first style (batch20/WRITERS_BRIEF.md), written after change 24 failed, "
          "for a later decision: 40 escalating (16 en violence, 12 en at risk, 3 + 3 zh, 3 + 3 ko), 66 hard benign (46 en, "
          "10 zh, 10 ko); measured whole once with the session's code (people_batch20_all.json); unread; pooled with "
          "batch 19, decided change 25 in session 51 (not kept)",
    "21": "session 51, five more writers in the first style (batch21/WRITERS_BRIEF.md), written after change 25 failed, "
          "for a later decision: 40 escalating (19 en violence, 9 en at risk: the writers' labels, 3 + 3 zh, 3 + 3 ko), 66 hard benign (46 en, "
          "10 zh, 10 ko); measured whole once with the session's code (people_batch21_all.json); unread; decided change 26 in session 51 "
          "(not kept)",
    "22": "session 51, five more writers in the first style (batch22/WRITERS_BRIEF.md), written after change 26 failed, "
          "for a later decision: 40 escalating (16 en violence, 12 en at risk, 3 + 3 zh, 3 + 3 ko), 66 hard benign (46 en, "
          "10 zh, 10 ko); measured whole once with the session's code (people_batch22_all.json); unread; decided change 27 "
          "in session 52 (kept)",
    "23": "session 52, five more writers in the first style (batch23/WRITERS_BRIEF.md), written after change 27 was kept, "
          "for a later decision: 40 escalating (16 en violence, 12 en at risk, 3 + 3 zh, 3 + 3 ko), 66 hard benign (46 en, "
          "10 zh, 10 ko); measured whole once with the session's code (people_batch23_all.json); unread; decided change 27b "
          "in session 52 (kept)",
    "24": "session 52, five more writers in the first style (batch24/WRITERS_BRIEF.md), written after change 27b was kept, "
          "for a later decision: 40 escalating (16 en violence, 12 en at risk, 3 + 3 zh, 3 + 3 ko), 66 hard benign (46 en, "
          "10 zh, 10 ko); measured whole once at session 53's starting code (people_batch24_all.json); unread; decided change "
          "28 in session 53 (not kept)",
    "25": "session 53, five more writers in the first style (batch25/WRITERS_BRIEF.md), written after change 28 was not kept, "
          "for a later decision: 40 escalating (16 en violence, 12 en at risk, 3 + 3 zh, 3 + 3 ko), 66 hard benign (46 en, "
          "10 zh, 10 ko); measured whole once at session 54's starting code (people_batch25_all.json); unread; decided "
          "change 29 with batch 26 in session 54 (kept)",
    "26": "session 54, five more writers in the first style (batch26/WRITERS_BRIEF.md), written after batch 25 was measured, "
          "for a decision: 40 escalating (16 en violence, 12 en at risk, 3 + 3 zh, 3 + 3 ko), 66 hard benign (46 en, "
          "10 zh, 10 ko); measured whole once at session 54's starting code (people_batch26_all.json); unread; decided "
          "change 29 with batch 25 in session 54 (kept)",
    "27": "session 54, five more writers in the first style (batch27/WRITERS_BRIEF.md), written after change 29 was kept, "
          "for a later decision: 40 escalating (16 en violence, 12 en at risk, 3 + 3 zh, 3 + 3 ko), 66 hard benign (46 en, "
          "10 zh, 10 ko); measured whole at session 55's starting code (people_batch27_all_before_change30.json); unread; "
          "decided change 30 in session 55 (its floor not kept; the reader and the confidence features kept)",
    "28": "session 55, five more writers in the first style (batch28/WRITERS_BRIEF.md), written before change 30 was decided, "
          "for a later decision: 40 escalating (16 en violence, 12 en at risk, 3 + 3 zh, 3 + 3 ko), 66 hard benign (46 en, "
          "10 zh, 10 ko); measured whole once at 787b1de (people_batch28_all_at_787b1de.json); unread; decided change 32 in "
          "session 56 (not kept; people_batch28_all_change32.json)",
    "29": "session 56, five more writers in the first style (batch29/WRITERS_BRIEF.md), written while change 32's probe ran, "
          "for a later decision: 40 escalating (16 en violence, 12 en at risk, 3 + 3 zh, 3 + 3 ko), 66 hard benign (46 en, "
          "10 zh, 10 ko); measured whole once at c8c6e9c (people_batch29_all_at_c8c6e9c.json; change 33 was registered on "
          "it and could not meet its rule, so was not built); unread; measured again at 70bf488, the same "
          "(people_batch29_all_at_70bf488.json), then decided change 34 in session 57 (not kept; "
          "people_batch29_all_change34.json); in FRESH since session 58",
    "30": "session 56, five more writers in the first style (batch30/WRITERS_BRIEF.md), written while change 33 was built, "
          "for its decision: 40 escalating (16 en violence, 12 en at risk, 3 + 3 zh, 3 + 3 ko), 66 hard benign (46 en, "
          "10 zh, 10 ko); measured whole at the starting code (people_batch30_all_at_7b26067.json), then decided change 33 "
          "in session 56 (kept; people_batch30_all_change33.json); unread; in FRESH since session 57",
    "31": "session 57, five more writers in the first style (batch31/WRITERS_BRIEF.md), written after change 34 was decided, "
          "for a later decision: 40 escalating (16 en violence, 12 en at risk, 3 + 3 zh, 3 + 3 ko), 66 hard benign (46 en, "
          "10 zh, 10 ko); measured whole once at 7c2bb3f (people_batch31_all_at_7c2bb3f.json); unread; decided change 35b in "
          "session 57 (not kept; people_batch31_all_change35b.json); in FRESH since session 58",
    "32": "session 57, five more writers in the first style (batch32/WRITERS_BRIEF.md), written after change 35b was decided, "
          "for a later decision: 40 escalating (16 en violence, 12 en at risk, 3 + 3 zh, 3 + 3 ko), 66 hard benign (46 en, "
          "10 zh, 10 ko); measured whole once at 522323b (people_batch32_all_at_522323b.json); unread; decided change 36 in "
          "session 58 (not kept; people_batch32_all_change36.json); in FRESH since session 59",
    "33": "session 58, five more writers in the first style (batch33/WRITERS_BRIEF.md), written at the session's start, "
          "for a later decision: 40 escalating (16 en violence, 12 en at risk, 3 + 3 zh, 3 + 3 ko), 66 hard benign (46 en, "
          "10 zh, 10 ko); measured whole once at 5d433f3 (people_batch33_all_at_5d433f3.json); unread; decided change 37 "
          "with batch 34 in session 58 (its rule held, a guard failed: not kept; people_batch33_34_all_change37.json); "
          "in FRESH since session 59",
    "34": "session 58, five more writers in the first style (batch34/WRITERS_BRIEF.md), written after change 36 was decided, "
          "for a later decision: 40 escalating (16 en violence, 12 en at risk, 3 + 3 zh, 3 + 3 ko), 66 hard benign (46 en, "
          "10 zh, 10 ko); measured whole once at c16342d (people_batch34_all_at_c16342d.json), and with batch 33 "
          "(people_batch33_34_all_before_change37.json); unread; decided change 37 with batch 33 in session 58 (not "
          "kept); in FRESH since session 59",
    "35": "session 58, eight writers in the first style with batch 36 (batch35/WRITERS_BRIEF.md), written for change 37b, "
          "whose guards settled it before they were measured: 40 escalating (16 en violence, 12 en at risk, 3 + 3 zh, "
          "3 + 3 ko), 66 hard benign (46 en, 10 zh, 10 ko); measured once with batch 36 at ba3bf5b "
          "(people_batch35_36_all_at_ba3bf5b.json); unread; decided change 38 with batch 36 in session 59 (not kept; "
          "people_batch35_36_all_change38.json); in FRESH since session 60",
    "36": "session 58, written with batch 35 for change 37b (batch36/WRITERS_BRIEF.md): 40 escalating (16 en violence, "
          "12 en at risk, 3 + 3 zh, 3 + 3 ko), 66 hard benign (46 en, 10 zh, 10 ko); measured once with batch 35 at "
          "ba3bf5b (people_batch35_36_all_at_ba3bf5b.json); unread; decided change 38 with batch 35 in session 59 (not "
          "kept); in FRESH since session 60",
    "37": "session 59, five more writers in the first style (batch37/WRITERS_BRIEF.md), written at the session's start "
          "for a later decision: 40 escalating (16 en violence, 12 en at risk, 3 + 3 zh, 3 + 3 ko), 66 hard benign (46 en, "
          "10 zh, 10 ko); measured whole once with batches 38 and 39 at 5663baa (people_batch37_39_all_at_5663baa.json); "
          "measured pooled with 37-41 at 2d421a8 "
          "(people_batch37_41_all_at_2d421a8.json); unread; measured again at 0d89b9e and decided change 39 in session 60 (not kept; "
          "people_batch37_41_all_change39.json); in FRESH since session 61",
    "38": "session 59, written with batch 39 after change 38 was decided (batch38/WRITERS_BRIEF.md), for a later decision: "
          "40 escalating (16 en violence, 12 en at risk, 3 + 3 zh, 3 + 3 ko), 66 hard benign (46 en, 10 zh, 10 ko); measured "
          "whole once with batches 37 and 39 at 5663baa (people_batch37_39_all_at_5663baa.json); measured pooled with 37-41 at 2d421a8 "
          "(people_batch37_41_all_at_2d421a8.json); unread; measured again at 0d89b9e and decided change 39 in session 60 (not kept; "
          "people_batch37_41_all_change39.json); in FRESH since session 61",
    "39": "session 59, written with batch 38 after change 38 was decided (batch39/WRITERS_BRIEF.md), for a later decision: "
          "40 escalating (16 en violence, 12 en at risk, 3 + 3 zh, 3 + 3 ko), 66 hard benign (46 en, 10 zh, 10 ko); measured "
          "whole once with batches 37 and 38 at 5663baa (people_batch37_39_all_at_5663baa.json); measured pooled with 37-41 at 2d421a8 "
          "(people_batch37_41_all_at_2d421a8.json); unread; measured again at 0d89b9e and decided change 39 in session 60 (not kept; "
          "people_batch37_41_all_change39.json); in FRESH since session 61",
    "40": "session 59, written with batch 41 at the session's end (batch40/WRITERS_BRIEF.md), for a later decision: 40 "
          "escalating (16 en violence, 12 en at risk, 3 + 3 zh, 3 + 3 ko), 66 hard benign (46 en, 10 zh, 10 ko); measured "
          "whole once with the other at 15b61f6 (people_batch40_41_all_at_15b61f6.json); measured pooled with 37-41 at 2d421a8 "
          "(people_batch37_41_all_at_2d421a8.json); unread; measured again at 0d89b9e and decided change 39 in session 60 (not kept; "
          "people_batch37_41_all_change39.json); in FRESH since session 61",
    "41": "session 59, written with batch 40 at the session's end (batch41/WRITERS_BRIEF.md), for a later decision: 40 "
          "escalating (16 en violence, 12 en at risk, 3 + 3 zh, 3 + 3 ko), 66 hard benign (46 en, 10 zh, 10 ko); measured "
          "whole once with the other at 15b61f6 (people_batch40_41_all_at_15b61f6.json); measured pooled with 37-41 at 2d421a8 "
          "(people_batch37_41_all_at_2d421a8.json); unread; measured again at 0d89b9e and decided change 39 in session 60 (not kept; "
          "people_batch37_41_all_change39.json); in FRESH since session 61",
    "42": "session 60, five more writers in the first style (batch42/WRITERS_BRIEF.md), written after change 39 was "
          "decided, for a later decision: 40 escalating (16 en violence, 12 en at risk, 3 + 3 zh, 3 + 3 ko), 66 hard benign "
          "(46 en, 10 zh, 10 ko); measured whole once, pooled with batch 43, at 28b35e9 (people_batch42_43_all_at_28b35e9.json); unread; decided "
          "change 40 with batch 43 in session 60 (not kept; people_batch42_43_all_change40.json); in FRESH since session 61",
    "43": "session 60, written with batch 42 after change 39 was decided (batch43/WRITERS_BRIEF.md), for a later decision: "
          "40 escalating (16 en violence, 12 en at risk, 3 + 3 zh, 3 + 3 ko), 66 hard benign (46 en, 10 zh, 10 ko); measured "
          "whole once, pooled with batch 42, at 28b35e9 (people_batch42_43_all_at_28b35e9.json); unread; decided change 40 "
          "with batch 42 in session 60 (not kept); in FRESH since session 61",
    "44": "session 60, five more writers in the first style (batch44/WRITERS_BRIEF.md), written with batch 45 after change 40 was "
          "decided, for a later decision: 40 escalating (16 en violence, 12 en at risk, 3 + 3 zh, 3 + 3 ko), 66 hard benign "
          "(46 en, 10 zh, 10 ko); measured whole once, pooled with batch 45, at 6c16438 (people_batch44_45_all_at_6c16438.json); "
          "unread; measured again at 5b99d55 and decided change 41 in session 61 (its figures held, a suite guard did not: not kept; "
          "people_batch44_45_all_change41.json; the same detection kept as change 41b on batches 46 and 47); "
          "in FRESH since session 62",
    "45": "session 60, written with batch 44 after change 40 was decided (batch45/WRITERS_BRIEF.md), for a later decision: "
          "40 escalating (16 en violence, 12 en at risk, 3 + 3 zh, 3 + 3 ko), 66 hard benign (46 en, 10 zh, 10 ko); measured "
          "whole once, pooled with batch 44, at 6c16438 (people_batch44_45_all_at_6c16438.json); unread; decided change 41 with batch 44 in session 61 (not kept, see 44); "
          "in FRESH since session 62",
    "46": "session 61, five more writers in the first style (batch46/WRITERS_BRIEF.md), written while change 41 was decided, for a later decision: 40 escalating (16 en violence, 12 en at risk, 3 + 3 zh, 3 + 3 ko), 66 hard benign (46 en, 10 zh, 10 ko); measured whole once, pooled with batch 47, at 5b99d55 (people_batch46_47_all_at_5b99d55.json); "
          "unread; decided change 41b with batch 47 in session 61 (people_batch46_47_all_change41b.json); in FRESH since session 62",
    "47": "session 61, written with batch 46 while change 41 was decided (batch47/WRITERS_BRIEF.md), for a later decision: 40 escalating (16 en violence, 12 en at risk, 3 + 3 zh, 3 + 3 ko), 66 hard benign (46 en, 10 zh, 10 ko); measured whole once, pooled with batch 46, at 5b99d55 (people_batch46_47_all_at_5b99d55.json); "
          "unread; decided change 41b with batch 46 in session 61 (people_batch46_47_all_change41b.json); in FRESH since session 62",
    "48": "session 61, five more writers in the first style (batch48/WRITERS_BRIEF.md), written after change 41b was registered, for a later decision: 40 escalating (16 en violence, 12 en at risk, 3 + 3 zh, 3 + 3 ko), 66 hard benign (46 en, 10 zh, 10 ko); measured whole once, pooled with batch 49, at 9714114 "
          "(people_batch48_49_all_at_9714114.json); unread; reproduced at 81b669f and decided change 42 with batch 49 in session 62 "
          "(kept; people_batch48_49_all_change42.json); in FRESH since session 63",
    "49": "session 61, written with batch 48 after change 41b was registered (batch49/WRITERS_BRIEF.md), for a later decision: 40 escalating (16 en violence, 12 en at risk, 3 + 3 zh, 3 + 3 ko), 66 hard benign (46 en, 10 zh, 10 ko); measured whole once, pooled with batch 48, at 9714114 "
          "(people_batch48_49_all_at_9714114.json); unread; decided change 42 with batch 48 in session 62 (kept); in FRESH since session 63",
    "50": "session 61, five more writers in the first style (batch50/WRITERS_BRIEF.md), written at the session's end, for a later decision: 40 escalating (16 en violence, 12 en at risk, 3 + 3 zh, 3 + 3 ko), 66 hard benign (46 en, 10 zh, 10 ko); measured whole once, pooled with batch 51, at 60db59a "
          "(people_batch50_51_all_at_60db59a.json); unread; reproduced at ae47ac6 and decided change 43 with batch 51 in session 62 "
          "(not kept: a guard failed; people_batch50_51_all_change43.json); in FRESH since session 63",
    "51": "session 61, written with batch 50 at the session's end (batch51/WRITERS_BRIEF.md), for a later decision: 40 escalating (16 en violence, 12 en at risk, 3 + 3 zh, 3 + 3 ko), 66 hard benign (46 en, 10 zh, 10 ko); measured whole once, pooled with batch 50, at 60db59a "
          "(people_batch50_51_all_at_60db59a.json); unread; decided change 43 with batch 50 in session 62 (not kept); in FRESH since session 63",
    "52": "session 62, five more writers in the first style (batch52/WRITERS_BRIEF.md), written while change 42 was registered, for a later decision: 40 escalating (16 en violence, 12 en at risk, 3 + 3 zh, 3 + 3 ko), 66 hard benign (46 en, 10 zh, 10 ko); "
          "two writers wrote a helper file beside their output and one listed that directory's names (the brief says so); measured whole once, "
          "pooled with batch 53, at 04dc0fd (people_batch52_53_all_at_04dc0fd.json); unread; decided change 44 with batch 53 in session 63 "
          "(its rule and measured guards held, the suite did not: not kept; people_batch52_53_all_change44.json); joins FRESH in the next session",
    "53": "session 62, written with batch 52 while change 42 was registered (batch53/WRITERS_BRIEF.md), for a later decision: 40 escalating (16 en violence, 12 en at risk, 3 + 3 zh, 3 + 3 ko), 66 hard benign (46 en, 10 zh, 10 ko); measured whole once, pooled with batch 52, at 04dc0fd "
          "(people_batch52_53_all_at_04dc0fd.json); unread; decided change 44 with batch 52 in session 63 (not kept); joins FRESH in the next session",
    "54": "session 62, five more writers in the first style (batch54/WRITERS_BRIEF.md), written after change 42 was decided, for a later decision: 40 escalating (16 en violence, 12 en at risk, 3 + 3 zh, 3 + 3 ko), 66 hard benign (46 en, 10 zh, 10 ko); "
          "measured whole once, pooled with batch 55, at 930b430 (people_batch54_55_all_at_930b430.json); unread; decided change 44b with batch 55 "
          "in session 63 (not kept: its rule failed; people_batch54_55_all_change44b.json); joins FRESH in the next session",
    "55": "session 62, written with batch 54 after change 42 was decided (batch55/WRITERS_BRIEF.md), for a later decision: 40 escalating (16 en violence, 12 en at risk, 3 + 3 zh, 3 + 3 ko), 66 hard benign (46 en, 10 zh, 10 ko); measured whole once, pooled with batch 54, at 930b430 "
          "(people_batch54_55_all_at_930b430.json); unread; decided change 44b with batch 54 in session 63 (not kept); joins FRESH in the next session",
    "56": "session 63, five more writers in the first style (batch56/WRITERS_BRIEF.md), written at the session's start, for a later decision: 40 escalating (16 en violence, 12 en at risk, 3 + 3 zh, 3 + 3 ko), 66 hard benign (46 en, 10 zh, 10 ko); measured whole once, pooled with batch 57, at 4e4ec3a "
          "(people_batch56_57_all_at_4e4ec3a.json); unread; decided change 45 with batch 57 in session 63 (kept; people_batch56_57_all_change45.json); joins FRESH in the next session",
    "57": "session 63, written with batch 56 at the session's start (batch57/WRITERS_BRIEF.md), for a later decision: 40 escalating (16 en violence, 12 en at risk, 3 + 3 zh, 3 + 3 ko), 66 hard benign (46 en, 10 zh, 10 ko); measured whole once, pooled with batch 56, at 4e4ec3a "
          "(people_batch56_57_all_at_4e4ec3a.json); unread; decided change 45 with batch 56 in session 63 (kept); joins FRESH in the next session",
    "58": "session 63, five more writers in the first style (batch58/WRITERS_BRIEF.md), written while change 44 was decided, for a later decision: 40 escalating (16 en violence, 12 en at risk, 3 + 3 zh, 3 + 3 ko), 66 hard benign (46 en, 10 zh, 10 ko); measured whole once, pooled with batch 59, at edc07af "
          "(people_batch58_59_all_at_edc07af.json); unread",
    "59": "session 63, written with batch 58 while change 44 was decided (batch59/WRITERS_BRIEF.md), for a later decision: 40 escalating (16 en violence, 12 en at risk, 3 + 3 zh, 3 + 3 ko), 66 hard benign (46 en, 10 zh, 10 ko); "
          "one writer saved and deleted a helper script beside its output and listed that directory's names (the brief says so); measured whole once, pooled with batch 58, at edc07af "
          "(people_batch58_59_all_at_edc07af.json); unread",
    "60": "session 63, five more writers in the first style (batch60/WRITERS_BRIEF.md), written at the session's end, for a later decision: 40 escalating (16 en violence, 12 en at risk, 3 + 3 zh, 3 + 3 ko), 66 hard benign (46 en, 10 zh, 10 ko); measured whole once, pooled with batch 61, at bc1bd5e "
          "(people_batch60_61_all_at_bc1bd5e.json); unread",
    "61": "session 63, written with batch 60 at the session's end (batch61/WRITERS_BRIEF.md), for a later decision: 40 escalating (16 en violence, 12 en at risk, 3 + 3 zh, 3 + 3 ko), 66 hard benign (46 en, 10 zh, 10 ko); "
          "one writer's reply gave the premise of one benign person (the brief says so); measured whole once, pooled with batch 60, at bc1bd5e "
          "(people_batch60_61_all_at_bc1bd5e.json); unread",
}
# Batches measured whole, once, before anyone on the detection side read a line of them (their dev
# thirds may have been read since): pooled by `--fresh`, the README's headline.
FRESH = tuple(str(b) for b in range(6, 52))
START = datetime(2026, 10, 5, tzinfo=timezone.utc)
LOCALE = {"en": "en-US", "zh": "zh-CN", "ko": "ko-KR"}
SPLITS = ("dev", "sealed", "all")


def split_of(person_id: str) -> str:
    """A fixed third of the people (by id hash) is `dev`; the rest is `sealed`."""
    return "dev" if int(hashlib.sha256(person_id.encode()).hexdigest(), 16) % 3 == 0 else "sealed"


def load(paths: list[Path], split: str) -> list[dict]:
    people = []
    for path in paths:
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if not line.strip():
                continue
            try:
                p = json.loads(line)
                check(p)
            except (ValueError, KeyError, TypeError) as e:
                raise SystemExit(f"{path}:{n}: {e}")
            if split in ("all", split_of(p["id"])):
                people.append(p)
    return people


def batch_files(batch: str) -> list[Path]:
    """A batch's people files (bench/people/batch<N>/*.jsonl), in name order."""
    return sorted((PEOPLE / f"batch{batch}").glob("*.jsonl"))


def every_person() -> list[dict]:
    """Every blind person of every batch."""
    return load(sorted(PEOPLE.glob("batch*/*.jsonl")), "all")


def turn_texts(people: list[dict]) -> list[str]:
    """The text of every turn of `people`: what data written for training must not repeat (tests)."""
    return [t["text"] for p in people for conv in p["conversations"] for t in conv["turns"]]


def user_turns(people: list[dict]) -> list[str]:
    """The text of every user turn of `people`, in order (what the probes add as rows or read back)."""
    return [t["text"] for p in people for conv in p["conversations"] for t in conv["turns"] if t["role"] == "user"]


def check(p: dict) -> None:
    if p["kind"] not in ("escalating", "benign"):
        raise ValueError(f"{p['id']}: kind {p['kind']!r}")
    convs = p["conversations"]
    if not convs or any(not c["turns"] for c in convs):
        raise ValueError(f"{p['id']}: empty conversation")
    if p["kind"] == "escalating":
        c, t = p["harm_from"]
        if convs[c]["turns"][t]["role"] != "user":
            raise ValueError(f"{p['id']}: harm_from does not point at a user turn")


WRITTEN = Path(__file__).resolve().parent / "written"
WRITTEN_PER_PERSON = 5


def _benign_people(rows: list[dict], prefix: str, pattern: str, lang: str, rng: random.Random) -> list[dict]:
    """`rows` shuffled and dealt out as benign people of `WRITTEN_PER_PERSON` rows each, a row one
    conversation (its lines the user's turns), a day or so apart."""
    rng.shuffle(rows)
    return [{"id": f"{prefix}-{i // WRITTEN_PER_PERSON:03d}", "kind": "benign", "category": None, "pattern": pattern,
             "lang": lang, "harm_from": None,
             "conversations": [{"day": round(k * rng.uniform(0.5, 1.5), 2),
                                "turns": [{"role": "user", "text": t} for t in r["text"].split("\n") if t.strip()]}
                               for k, r in enumerate(rows[i:i + WRITTEN_PER_PERSON])]}
            for i in range(0, len(rows), WRITTEN_PER_PERSON)]


def written_people(seed: int = 7) -> list[dict]:
    """Benign people made of the safe rows of `bench/written/` (everyday personal chat, and the safe
    halves of the sexual, hate and graphic-violence contrast sets: sex education, counter-speech,
    medicine, cooking), never trained on: each person says `WRITTEN_PER_PERSON` of one set's messages,
    one conversation each, a day or so apart. Who gets a case among people whose every message is
    safe, in text no detection author wrote."""
    rng = random.Random(seed)
    return [p for path in sorted(WRITTEN.glob("*.jsonl"))
            for p in _benign_people([r for r in _lines(path) if r.get("benign")], f"w-{path.stem}", f"written:{path.stem}", "en", rng)]


STAGE_TURNS = Path(__file__).resolve().parents[1] / "models" / "data" / "stage_turns.jsonl"
STAGE_TURNS_CJK = STAGE_TURNS.with_name("stage_turns_cjk.jsonl")
# the zh / ko turn files whose rows without a stage `cjk_turn_people` deals out, each with its people's id prefix
CJK_TURN_FILES = ((STAGE_TURNS, "c"), (STAGE_TURNS_CJK, "c37"))


def cjk_turn_people(seed: int = 7) -> list[dict]:
    """Benign Chinese and Korean people made of the zh / ko rows that carry no stage of the writer's
    own (look-alikes: idioms, games, cooking, trains tomorrow at eight; and third-party turns:
    supporters, the bereaved, a relative's threat reported) of `models/data/stage_turns.jsonl`
    (written blind in session 19) and of `models/data/stage_turns_cjk.jsonl` (written in session 37
    by writers who saw only a brief), never trained on: `WRITTEN_PER_PERSON` rows a person, one
    conversation each (a row of two or three turns stays one conversation), a day or so apart; each
    file's rows make people of their own (pattern `<file>-safe`). What the zh / ko stage reader
    reads into everyday zh / ko chat, person by person (session 37; the second file since session 38)."""
    rng, people = random.Random(seed), []
    for path, prefix in CJK_TURN_FILES:
        rows = _lines(path)
        for lang in ("zh", "ko"):
            safe = [r for r in rows if r["lang"] == lang and not r["stages"]]
            people += _benign_people(safe, f"{prefix}-{lang}", f"{path.stem}-safe", lang, rng)
    return people


def _uid(*parts: str) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, "riskstream-people/" + "/".join(parts)))


def layout(people: list[dict]) -> tuple[list[dict], list[dict]]:
    """(turns sorted by ts, truth rows): each person starts on their own day and hour; turns of a
    conversation are a minute or two apart."""
    turns, truth = [], []
    for i, p in enumerate(people):
        pid = p["id"]
        accounts = {a: _uid(pid, "account", str(a)) for a in sorted({c.get("account", 1) for c in p["conversations"]})}
        device = hashlib.sha256(pid.encode()).hexdigest()[:32] if len(accounts) > 1 else None
        base = START + timedelta(days=i % 23, hours=(i * 7) % 13 + 8)
        harm = None
        for ci, conv in enumerate(p["conversations"]):
            account = accounts[conv.get("account", 1)]
            cid = _uid(pid, "conversation", str(ci))
            t = base + timedelta(days=float(conv["day"]))
            for ti, turn in enumerate(conv["turns"]):
                row = {"event_id": _uid(pid, str(ci), str(ti)), "user_id": account, "conversation_id": cid,
                       "turn_index": ti, "role": turn["role"], "text": turn["text"],
                       "ts": t.strftime("%Y-%m-%dT%H:%M:%SZ"), "locale": LOCALE.get(p.get("lang"), "en-US")}
                if device:
                    row["identity"] = {"device_hash": device}
                turns.append(row)
                if p["kind"] == "escalating" and [ci, ti] == list(p["harm_from"]):
                    harm = row
                t += timedelta(seconds=40 + 37 * ((ci + ti) % 3))
        first = accounts[p["conversations"][0].get("account", 1)]
        row = {"user_id": first, "kind": p["kind"], "category": p.get("category"), "shape": p["pattern"],
               "lang": p.get("lang", "en"), "person": pid,
               "harm_inferable_at": harm["ts"] if harm else None, "harm_event_id": harm["event_id"] if harm else None}
        if len(accounts) > 1:
            row["accounts"] = [first] + [a for a in accounts.values() if a != first]
        truth.append(row)
    turns.sort(key=lambda r: (r["ts"], r["user_id"], r["turn_index"]))
    return turns, truth


def routes(cases: list[dict], truth: list[dict]) -> dict[str, dict]:
    """Person -> the rule and route of their first case."""
    owner = owner_of(truth)
    first: dict[str, dict] = {}
    for c in sorted((c for c in cases if c["event"] == "open"), key=lambda c: c["opened_at"]):
        pid = owner.get(c["user_id"])
        if pid is not None and pid not in first:
            first[pid] = {"rule": c["rule"], "route": c.get("route"), "priority": c.get("priority"),
                          "opened_at": c["opened_at"][:19]}
    return first


RATES = (0.02, 0.05, 0.10)  # benign people flagged: the escalation target's 2 %, and two looser ones


def owner_of(truth: list[dict]) -> dict[str, str]:
    """Each account's person (a person's second account included)."""
    return {a: t["person"] for t in truth for a in (t.get("accounts") or [t["user_id"]])}


def strongest_case(cases: list[dict], owner: dict[str, str]) -> dict[str, float]:
    """Per person with a case, their strongest case event: the most turns of evidence any event shows,
    then its severity (at most 1), as one number (10 x turns + severity) that ranks the same."""
    out: dict[str, float] = {}
    for c in cases:
        pid = owner.get(c["user_id"])
        if pid is not None:
            out[pid] = max(out.get(pid, 0.0), 10.0 * len(c.get("evidence") or ()) + float(c.get("severity") or 0.0))
    return out


def at_benign_rates(cases: list[dict], scores: list[dict], truth: list[dict], rates=RATES) -> dict:
    """Recall at a fixed share of benign people flagged, the people ranked (a case is one bit; the
    issue's target sits at 2 %): riskstream's by their strongest case (the most turns of evidence any
    event of their cases shows, then its severity: a pattern of many turns before one of few), the
    stateless baseline's by their highest user-turn score; with a case confidence model
    (stream/core/confidence.py), `confidence` ranks them by their cases' highest confidence too (in
    family on the batches it was fitted on: `case_confidence.json`'s `training`). At a rate r the cut
    is the benign score ranked floor(r x benign) from the top; a person counts above it only (ties at
    it do not)."""
    owner = owner_of(truth)
    ours = strongest_case(cases, owner)
    confident: dict[str, float] = defaultdict(lambda: -1.0)
    for c in cases:
        pid = owner.get(c["user_id"])
        if pid is not None and "confidence" in c:
            confident[pid] = max(confident[pid], float(c["confidence"]))
    peak: dict[str, float] = defaultdict(float)
    for r in scores:
        pid = owner.get(r["user_id"])
        if pid is not None and r.get("role") == "user":
            peak[pid] = max(peak[pid], max(r["category_scores"].values(), default=0.0))
    esc = [t["person"] for t in truth if t["kind"] == "escalating"]
    ben = [t["person"] for t in truth if t["kind"] == "benign"]
    return {f"{r:.2f}": {"riskstream": recall_at(lambda p: ours.get(p, 0.0), esc, ben, r),
                         "stateless": recall_at(peak.__getitem__, esc, ben, r),
                         **({"confidence": recall_at(confident.__getitem__, esc, ben, r)} if confident else {})}
            for r in rates}


def recall_at(score, esc: list[str], ben: list[str], rate: float) -> float | None:
    """The share of escalating people `esc` whose `score(person)` is above the cut at `rate` of the
    benign people `ben`: the benign score ranked floor(rate x benign) from the top (ties at it do not
    count). None without people of either kind."""
    if not esc or not ben:
        return None
    cut = ranked_cut([score(p) for p in ben], int(rate * len(ben)))
    return round(sum(score(p) > cut for p in esc) / len(esc), 4)


def ranked_cut(scores: list[float], k: int) -> float:
    """The score ranked `k` from the top (0: the highest; past the end, the lowest): a person counts
    above it only (`recall_at`)."""
    ranked = sorted(scores, reverse=True)
    return ranked[k] if k < len(ranked) else min(ranked)


def summarise(truth: list[dict], first: dict[str, dict], head: dict) -> dict:
    esc = [t for t in truth if t["kind"] == "escalating"]
    ben = [t for t in truth if t["kind"] == "benign"]
    found = [t for t in esc if t["person"] in first]
    flagged = [t for t in ben if t["person"] in first]
    by = defaultdict(lambda: Counter())
    for t in truth:
        for key in (f"lang:{t['lang']}", f"{t['kind']}:{t['shape']}"):
            by[key]["people"] += 1
            by[key]["with_case"] += t["person"] in first
    at_risk = [t for t in esc if t["category"] == "self-harm"]
    out = {
        "escalating": len(esc), "benign": len(ben),
        "recall": round(len(found) / len(esc), 4) if esc else None,
        "recall_ci95": wilson(len(found), len(esc)),
        "benign_flagged": len(flagged), "benign_flagged_share": round(len(flagged) / len(ben), 4) if ben else None,
        "benign_flagged_ci95": wilson(len(flagged), len(ben)),
        "stateless_recall_same_rate": head["stateless_same_fpr"]["recall"],
        "recall_gain_points": head["recall_gain_points"],
        "found_before_harm_from": sum(first[t["person"]]["opened_at"] < t["harm_inferable_at"] for t in found),
        "delay_turns": head["riskstream"]["delay_turns"],
        "at_risk_first_case_support": sum(first.get(t["person"], {}).get("route") == "support" for t in at_risk),
        "at_risk_first_case_enforcement": sum(first.get(t["person"], {}).get("route") == "enforcement" for t in at_risk),
        "at_risk": len(at_risk),
        # people heading towards harming someone else whose first case went to support, not to review for enforcement
        "harm_to_others_first_case_support": sum(first.get(t["person"], {}).get("route") == "support"
                                                 for t in esc if t["category"] != "self-harm"),
        "first_case_rule": {k: dict(Counter(first[t["person"]]["rule"] for t in grp if t["person"] in first))
                            for k, grp in (("escalating", esc), ("benign", ben))},
        "by": {k: dict(v) for k, v in sorted(by.items())},
        "missed": sorted(t["person"] for t in esc if t["person"] not in first),
        "flagged_benign": sorted(t["person"] for t in flagged),
    }
    return out


def per_batch(truth: list[dict], first: dict[str, dict], batch_of: dict[str, str]) -> dict[str, dict]:
    """Batch -> its escalating people found and benign people flagged (a pooled run's breakdown)."""
    out: dict[str, dict] = {}
    for t in truth:
        row = out.setdefault(batch_of[t["person"]], {"escalating": 0, "found": 0, "benign": 0, "flagged": 0,
                                                     "at_risk": 0, "at_risk_first_case_enforcement": 0})
        hit = t["person"] in first
        if t["kind"] == "escalating":
            row["escalating"] += 1
            row["found"] += hit
            if t["category"] == "self-harm":
                row["at_risk"] += 1
                row["at_risk_first_case_enforcement"] += first.get(t["person"], {}).get("route") == "enforcement"
        else:
            row["benign"] += 1
            row["flagged"] += hit
    return dict(sorted(out.items(), key=lambda kv: int(kv[0])))


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--batch", choices=sorted(BATCHES), default="1", help="which writers' people (default 1; see BATCHES)")
    ap.add_argument("--people", nargs="*", type=Path, help="people files instead of a batch")
    ap.add_argument("--written", action="store_true",
                    help="benign people made of bench/written/'s safe rows instead of a batch (`written_people`)")
    ap.add_argument("--cjk-turns", action="store_true",
                    help="benign zh / ko people made of the zh / ko rows without a stage of stage_turns.jsonl and "
                         "stage_turns_cjk.jsonl (`cjk_turn_people`)")
    ap.add_argument("--fresh", action="store_true",
                    help=f"every person of the batches measured whole before anyone read them ({', '.join(FRESH)}), "
                         "pooled in one run, with each batch's figures beside the pooled ones")
    ap.add_argument("--split", choices=SPLITS, default="sealed")
    ap.add_argument("--models-dir", type=Path, help="model set (default: the committed models)")
    ap.add_argument("--policy", type=Path, help="case policy file (JSON, as `riskstream replay --policy`; default: the "
                                                "defaults): to try a setting on the dev thirds before it is pre-registered")
    ap.add_argument("--out", type=Path, help="write the JSON here (default: bench/results/people_<split>.json)")
    ap.add_argument("--keep", type=Path, help="keep the laid-out turns, cases and scores in this directory")
    args = ap.parse_args(argv)
    # a set of benign people laid out from written rows instead of a batch: (its name, source files, people)
    made = (("written", sorted(WRITTEN.glob("*.jsonl")), written_people) if args.written
            else ("cjk-turns", [f for f, _ in CJK_TURN_FILES], cjk_turn_people) if args.cjk_turns else None)
    if made:
        paths, people, args.split = made[1], made[2](), "all"
    elif args.fresh:
        by_batch = {b: load(batch_files(b), "all") for b in FRESH}
        paths = [f for b in FRESH for f in batch_files(b)]
        people, args.split = [p for ps in by_batch.values() for p in ps], "all"
        batch_of = {p["id"]: b for b, ps in by_batch.items() for p in ps}
    else:
        paths = args.people or batch_files(args.batch)
        if not paths:
            raise SystemExit(f"no people files in {PEOPLE}")
        people = load(paths, args.split)
    turns, truth = layout(people)
    with tempfile.TemporaryDirectory(prefix="rs-people-") as tmp:
        d = args.keep or Path(tmp)
        d.mkdir(parents=True, exist_ok=True)
        (d / "turns.jsonl").write_bytes(b"".join(dumps_line(t) for t in turns))
        (d / "truth.jsonl").write_bytes(b"".join(dumps_line(t) for t in truth))
        name = "run"
        if (d / name).exists():
            shutil.rmtree(d / name)
        head = run_models(d, name, args.models_dir, report_dir=d, suffix="_people", policy=args.policy)
        cases = _lines(d / name / "cases.jsonl")
        ranked = at_benign_rates(cases, _lines(d / name / "scores.jsonl"), truth)
    batch = made[0] if made else "fresh" if args.fresh else None if args.people else args.batch
    first = routes(cases, truth)
    result = {"batch": batch, "split": args.split, "files": [p.name for p in paths], "people": len(people), "turns": len(turns),
              "models": str(args.models_dir or "models/"), **({"policy": str(args.policy)} if args.policy else {}), **summarise(truth, first, head),
              "at_benign_rate": ranked}
    if args.fresh:
        result["batches"] = list(FRESH)
        result["per_batch"] = per_batch(truth, first, batch_of)
    out = args.out or Path(__file__).resolve().parent / "results" / (
        f"people_{made[0].replace('-', '_')}.json" if made else "people_fresh.json" if args.fresh
        else f"people_batch{args.batch}_{args.split}.json")
    out.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    return result


if __name__ == "__main__":
    print(json.dumps(main(), indent=2, ensure_ascii=False))
