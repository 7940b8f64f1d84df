"""The detector: fold one scored turn into its person's window and return the effects.

`Detector.step` is a pure function of (window, turn, score, config) apart from one thing: a turn
is also read together with the conversation context it refers to or builds on, through the same
scorer (stream/core/context.py). The drivers own all I/O.
"""

from __future__ import annotations

import hashlib
import math
from collections import OrderedDict
from dataclasses import dataclass, replace
from typing import Sequence

from stream.core import context, framing, heading, hindsight, person_reader, replies, retraction
from stream.core import policy as pol
from stream.core.cases import build_case_event, case_id_for
from stream.core.confidence import CaseConfidence, confidence_floors
from stream.core.effects import Effect
from stream.core.events import Turn
from stream.core.farewell import SIGNAL as FAREWELL_SIGNAL
from stream.core.farewell import FarewellReader
from stream.core.heading import HeadingReader
from stream.core.person_reader import PersonReader, PersonReaderFileError
from stream.core.redaction import excerpt
from stream.core.reply_reader import ReplyReader
from stream.core.stages import BY_KEY, detect_stages
from stream.core.support import support_event
from stream.core.tagger import THIRD_PARTY, StageTagger, pieces
from stream.core.timeutil import format_rfc3339
from stream.core.trajectory import Reading, TrajectoryModel, read
from stream.core.window import Evidence, OpenCase, UserWindow, push_bounded, redelivery_key, top_category
from stream.scoring.embedding import UseEmbedder
from stream.scoring.encoder import is_cjk
from stream.scoring.types import Scorer, Signal, TextScore
from stream.taxonomy import CATEGORIES

@dataclass(slots=True)
class Step:
    window: UserWindow | None  # None: nothing to keep for this person
    effects: list[Effect]


class Detector:
    """Scores batches of turns and steps per-person windows. One instance per driver process."""

    def __init__(self, scorer: Scorer, config: pol.PolicyConfig | None = None, model_version: str = "",
                 resources: dict | None = None, trajectory: TrajectoryModel | None | str = "auto",
                 tagger: tuple | None | str = "auto", reply_reader: "ReplyReader | None | str" = "auto",
                 farewell: "FarewellReader | None | str" = "auto", confidence: "CaseConfidence | None | str" = "auto",
                 heading_reader: "HeadingReader | None | str" = "auto", person: "PersonReader | None | str" = "auto"):
        """`trajectory`: "auto" loads `trajectory.json` from the scorer's models directory, if any and
        unless the policy says `trajectory_model: false`; None disables the model (the fixed
        accumulation threshold applies). `tagger`: "auto" loads `stage_tagger.json` and the encoder
        that embeds for it from the same directory, if any; or an (embedder, StageTagger) pair, or an
        (embedder, StageTagger, zh / ko embedder) triple when the tagger has a zh / ko reader (by
        default USE); None: the written stage rules only. `reply_reader`: "auto" loads
        `reply_reader.json` from the same directory when the tagger's embedder is there (it reads the
        same embeddings); None: the assistant's replies are read by the written phrases alone.
        `farewell`: "auto" loads `farewell_reader.json` likewise (its gate reads the tagger's
        embeddings, the reader USE's); None: no farewell acts are read. `confidence`: "auto" loads
        `case_confidence.json` from the same directory, if any; None: cases carry no confidence (and
        the policy's confidence floors do not apply). `heading_reader`: "auto" loads `heading_reader.json`
        likewise when the tagger's embedder is there (it reads the same embeddings; zh / ko turns by USE);
        None: no turn is read so, and the policy's `heading_floor` holds nothing back. `person`: "auto" loads
        `person_reader.json` likewise when the policy says `person_cases` (left out when this detector runs without
        the trajectory model or heading reader it reads, e.g. `trajectory_model: false`; refused when it was fitted
        on other features than a detector with both gives: a stale file); None: no "person" case."""
        from stream.resources import load_crisis_resources

        self.scorer = scorer
        self.resources = resources or load_crisis_resources()
        self.config = config or pol.PolicyConfig()
        if trajectory == "auto":
            use = self.config.trajectory_model
            trajectory = TrajectoryModel.load(getattr(scorer, "models_dir", None)) if use else None
        p = self.config.trajectory_min_probability
        if trajectory is not None and p is not None:
            trajectory = replace(trajectory, threshold=math.log(p / (1.0 - p)))
        self.trajectory: TrajectoryModel | None = trajectory
        if tagger == "auto":
            tagger = load_tagger(getattr(scorer, "models_dir", None), scorer)
        self.embedder, self.tagger, *cjk_embedder = tagger or (None, None)
        reads_cjk = self.tagger is not None and self.tagger.cjk is not None
        self.cjk_embedder = (cjk_embedder[0] if cjk_embedder else UseEmbedder()) if reads_cjk else None
        if reply_reader == "auto":
            reply_reader = (ReplyReader.load(getattr(scorer, "models_dir", None), self.embedder.model_id, self.embedder.dim)
                            if self.embedder is not None else None)
        self.reply_reader: ReplyReader | None = reply_reader
        # the reply reader's zh / ko reader reads USE embeddings (the tagger's, when it has a zh / ko reader)
        self.reply_cjk_embedder = ((self.cjk_embedder or UseEmbedder())
                                   if reply_reader is not None and reply_reader.cjk is not None else None)
        if farewell == "auto":
            farewell = (FarewellReader.load(getattr(scorer, "models_dir", None), self.embedder.model_id, self.embedder.dim)
                        if self.embedder is not None else None)
        self.farewell: FarewellReader | None = farewell
        self.farewell_embedder = (self.cjk_embedder or self.reply_cjk_embedder or UseEmbedder()) if farewell is not None else None
        if heading_reader == "auto":
            heading_reader = (HeadingReader.load(getattr(scorer, "models_dir", None), self.embedder.model_id, self.embedder.dim)
                              if self.embedder is not None else None)
        self.heading: HeadingReader | None = heading_reader
        self.heading_cjk_embedder = (self.cjk_embedder or UseEmbedder()) if heading_reader is not None else None
        if confidence == "auto":
            confidence = CaseConfidence.load(getattr(scorer, "models_dir", None))
        self.confidence: CaseConfidence | None = confidence
        # (enforcement, support, short pathway, trajectory); with a heading reader every case carries its readings
        self.floors = confidence_floors(self.config, self.confidence, reads_person=self.heading is not None)
        window_features = person_reader.feature_names(self.trajectory, self.heading is not None)
        if person == "auto":  # read only where the policy's person rule may open a case (`person_cases`)
            person = PersonReader.load(getattr(scorer, "models_dir", None)) if self.config.person_cases else None
            if person is not None and not person.fits(window_features) and (self.trajectory is None or self.heading is None):
                person = None  # run without a model it reads (e.g. `trajectory_model: false`): no person rule
        if person is not None and not person.fits(window_features):
            raise PersonReaderFileError(f"{person_reader.FILE_NAME} ({person.version}) was fitted on other window features "
                                        f"than these models give; retrain it ({person_reader.RETRAIN})")
        self.person: PersonReader | None = person
        self.model_version = model_version or getattr(scorer, "version", "")
        if self.trajectory is not None and not model_version:
            self.model_version += f"+{self.trajectory.version}"
        if self.tagger is not None and not model_version:
            self.model_version += f"+{self.tagger.version}"
        if self.reply_reader is not None and not model_version:
            self.model_version += f"+{self.reply_reader.version}"
        if self.farewell is not None and not model_version:
            self.model_version += f"+{self.farewell.version}"
        if self.heading is not None and not model_version:
            self.model_version += f"+{self.heading.version}"
        if self.confidence is not None and not model_version:
            self.model_version += f"+{self.confidence.version}"
        if self.person is not None and not model_version:
            self.model_version += f"+{self.person.version}"
        thresholds = getattr(scorer, "threshold_map", None)
        self.thresholds: dict[str, float] = dict(thresholds) if thresholds else {c: 0.5 for c in CATEGORIES}
        # older ONNX graphs' last digits depend on a text's batch mates (see `read`); batch-invariant
        # cascades' and test doubles' do not
        self.one_text_per_call = (any(getattr(scorer, a, None) is not None for a in ("encoder", "cheap"))
                                  and not getattr(scorer, "batch_invariant", False))
        # Zero-data-retention context never goes into persisted state: it lives here, in memory only.
        self._volatile_context: OrderedDict[str, list[dict]] = OrderedDict()

    def score(self, turns: Sequence[Turn]) -> list[TextScore]:
        """Batch-score the turns' texts (pre-scored zero-data-retention turns carry their score);
        user turns are also read by the stage tagger."""
        todo = [t for t in turns if t.prescored is None]
        fresh = iter(self.read([t.text for t in todo], [t.role == "user" for t in todo],
                               [t.role == "assistant" for t in todo]) if todo else ())
        return [_alone(t.prescored) if t.prescored is not None else next(fresh) for t in turns]

    def read(self, texts: Sequence[str], tag: Sequence[bool] | None = None,
             reply: Sequence[bool] | None = None) -> list[TextScore]:
        """Classifier scores, plus the stage tagger's reading as `model` signals (for the texts
        `tag` marks; all by default): what the turn's meaning carries, shown to reviewers too; and
        for the texts `reply` marks (assistant turns), the reply reader's concern as `voiced:<pathway>`
        signals (`_concern`).

        A turn's scores must not depend on which other people's turns share its batch, or replay
        partitioned over processes (and the worker, which batches as records arrive) could not
        give the same output as one process. Batch-invariant cascades (`scorer.batch_invariant`:
        graphs whose sums run in a fixed order, models/train/export.py) read the whole batch in
        one call; with older model files, one text per model call (and one turn's pieces per
        tagger call), which cost about 30 % of a one-process replay."""
        if self.one_text_per_call:
            scores = [self.scorer.score_batch([t])[0] for t in texts]
        else:
            scores = list(self.scorer.score_batch(texts))  # a copy: a memoising scorer may hand out its cache
        tagged = [i for i in range(len(texts)) if tag is None or tag[i]]
        self._tag(scores, texts, tagged)
        if tag is not None and self.farewell is not None:  # the user's own turns (not a conversation read together)
            self._read_farewell(scores, texts, tagged)
        if reply is not None and self.reply_reader is not None:
            self._read_replies(scores, texts, [i for i in range(len(texts)) if reply[i]])
        return scores

    def _read_replies(self, scores: list[TextScore], texts: Sequence[str], idx: list[int]) -> None:
        """Add the reply reader's reading of the assistant's replies `idx` to their scores (in place):
        English by MiniLM (embeddings of the pass that scored them), Chinese / Korean by USE."""
        reader = self.reply_reader
        cjk = {i for i in idx if reader.cjk is not None and is_cjk(texts[i])}
        en = [i for i in idx if i not in cjk]
        for rows, rdr, embedder in ((en, reader, self.embedder), (sorted(cjk), reader.cjk, self.reply_cjk_embedder)):
            if not rows:
                continue
            for i, pathways in zip(rows, rdr.voiced(embedder.embed([texts[i] for i in rows]))):
                if pathways:
                    extra = tuple(Signal("model", reader.version, p, f"voiced:{p}") for p in sorted(pathways))
                    scores[i] = replace(scores[i], signals=scores[i].signals + extra)

    def _read_farewell(self, scores: list[TextScore], texts: Sequence[str], idx: list[int]) -> None:
        """Add the farewell reader's reading of the user turns `idx` to their scores (in place), as a
        `farewell` signal on the self-harm pathway: an English turn by its USE embedding, when the gate
        over its MiniLM embedding (the scoring pass's) lets it through. Chinese and Korean turns are not
        read (stream/core/farewell.py says why)."""
        reader = self.farewell
        en = [i for i in idx if not is_cjk(texts[i])]
        rows = [i for i, ok in zip(en, reader.gate(self.embedder.embed([texts[i] for i in en]))) if ok] if en else []
        if not rows:
            return
        signal = Signal("model", reader.version, "self-harm", FAREWELL_SIGNAL)
        for i, hit in zip(rows, reader.reads(self.farewell_embedder.embed([texts[i] for i in rows]))):
            if hit:
                scores[i] = replace(scores[i], signals=scores[i].signals + (signal,))

    def _tag(self, scores: list[TextScore], texts: Sequence[str], idx: list[int], whole: bool = False) -> None:
        """Add the stage tagger's reading of texts `idx` to their scores (in place); `whole`: each
        text read as one, without its clauses (`_read_stages`)."""
        if self.tagger is None:
            return
        for group in ([[i] for i in idx] if self.one_text_per_call else [idx] if idx else []):
            for i, found in zip(group, self._read_stages([texts[i] for i in group], whole)):
                if found:
                    extra = tuple(Signal("model", self.tagger.version, _tag_category(k), k) for k in found)
                    scores[i] = replace(scores[i], signals=scores[i].signals + extra)

    def _read_stages(self, texts: Sequence[str], whole: bool = False) -> list[dict[str, float]]:
        """The tagger's labels per text, each text read with its clauses (`whole`: as one text only):
        Chinese / Korean text by the tagger's USE reader where it has one, the rest by the MiniLM
        reader."""
        out: list[dict[str, float]] = [{} for _ in texts]
        cjk = [self._reads_cjk(t) for t in texts]
        for reads_cjk, tagger, embedder in ((False, self.tagger, self.embedder), (True, self.tagger.cjk, self.cjk_embedder)):
            idx = [i for i, c in enumerate(cjk) if c == reads_cjk]
            if not idx:
                continue
            split = [[texts[i]] if whole else pieces(texts[i]) for i in idx]
            owner = [k for k, parts in enumerate(split) for _ in parts]
            for i, found in zip(idx, tagger.tags(embedder.embed([p for parts in split for p in parts]), owner)):
                out[i] = found
        return out

    def _heading(self, text: str) -> tuple[float, float | None] | None:
        """The heading reader's reading of a user turn (stream/core/heading.py) and its reading of heading
        towards oneself (None for a reader without that head), None without a reader: the MiniLM
        embedding the scorer has just computed, or USE's for a Chinese / Korean turn."""
        if self.heading is None:
            return None
        cjk = is_cjk(text)
        toward, own = self.heading.both((self.heading_cjk_embedder if cjk else self.embedder).embed([text]), cjk)
        return round(float(toward[0]), 4), (round(float(own[0]), 4) if own is not None else None)

    def _reads_cjk(self, text: str) -> bool:
        """Whether the tagger's zh / ko reader (not MiniLM) reads this text."""
        return self.cjk_embedder is not None and is_cjk(text)

    def prescore(self, turn: Turn, key: str) -> dict:
        """Everything `step` needs from a turn's text, computed where the text is, so that only
        scores, stage names and a hash travel on (zero-data-retention tenants: the worker re-keys
        turns by person through a topic, which must never hold their text)."""
        score = self.read([turn.text], [turn.role == "user"], [turn.role == "assistant"])[0]
        out = {"alone": {"scores": score.category_scores, "flags": score.categories,
                         "signals": [s.to_dict() for s in score.signals]},
               "text_sha256": hashlib.sha256(turn.text.encode()).hexdigest()}
        if turn.role == "user":
            ctx = self._volatile_context.setdefault(key, [])
            taken = self._taken_back(ctx, turn)
            scores, own, contextual, joint, read_with = self._with_context(ctx, turn, score)
            stages, ruled = self._stages(turn.text, scores, own, score, joint, ctx, turn)
            flags = self._framing(turn.text, score, ctx, turn)
            self._remember_context(ctx, turn, scores, stages)
            if taken:
                out["takes_back"] = taken
            out.update(scores=scores, own=own, read_with=list(read_with), contextual=contextual, stages=[f"{st.pathway}:{st.name}" for st in stages],
                       rule_pathways=sorted(ruled), framing=list(flags))
            read = self._heading(turn.text)
            if read is not None:
                out["heading"] = read[0]
                if read[1] is not None:
                    out["heading_self"] = read[1]
        elif turn.role == "assistant":
            ctx = self._volatile_context.get(key, [])
            concern = self._concern(ctx, turn, score)
            if concern:
                out["voiced"] = concern
            self._remember_reply(ctx, turn, score)
        return out

    @staticmethod
    def window_key(turn: Turn) -> str:
        return turn.person_id or turn.user_id

    def is_expired(self, window: UserWindow, now: float) -> bool:
        return now - window.updated > self.config.retention_days * 86400

    def step(self, window: UserWindow | None, turn: Turn, score: TextScore) -> Step:
        cfg = self.config
        if window is not None and self.is_expired(window, turn.ts):
            window = None  # beyond retention: the old window is gone, not merely decayed
        window = window or UserWindow(user_id=self.window_key(turn), updated=turn.ts)
        key = redelivery_key(turn.event_id)
        if key in window.recent_ids:
            return Step(window, [])  # redelivery of a turn already folded in (idempotency)
        push_bounded(window.recent_ids, key, cfg.recent_ids_limit)
        window.turns += 1
        window.decay_to(turn.ts, cfg.half_life_hours * 3600)
        if window.case and turn.ts - window.case.updated_at > cfg.case_ttl_hours * 3600:
            window.case = None

        if turn.role != "user":  # assistant/system/tool turns are scored, never held against the user
            effects = [Effect("score", turn.user_id, self._score_payload(turn, score, False, []))]
            if turn.role == "assistant":
                if turn.prescored is None:  # (a prescored one was kept, and read, by `prescore`)
                    ctx = self._context_for(window, turn)
                    concern = self._concern(ctx, turn, score)
                    self._remember_reply(ctx, turn, score)
                else:
                    concern = turn.prescored.get("voiced")
                if concern:
                    effects += self._voiced(window, turn, score, concern)
            return Step(window, effects)

        if turn.prescored is not None:
            scores, contextual = turn.prescored["scores"], turn.prescored["contextual"]
            own = turn.prescored.get("own", scores)
            read_with = tuple(turn.prescored.get("read_with") or ())
            stages = [BY_KEY[k] for k in turn.prescored["stages"] if k in BY_KEY]
            ruled = set(turn.prescored.get("rule_pathways") or ())
            flags = tuple(turn.prescored.get("framing") or (False, False, False))
            taken = turn.prescored.get("takes_back")
            toward = turn.prescored.get("heading")
            towards_self = turn.prescored.get("heading_self")
        else:
            ctx = self._context_for(window, turn)
            taken = self._taken_back(ctx, turn)  # (before the turn reads its context: it inherits none of that harm)
            scores, own, contextual, joint, read_with = self._with_context(ctx, turn, score)
            stages, ruled = self._stages(turn.text, scores, own, score, joint, ctx, turn)
            flags = self._framing(turn.text, score, ctx, turn)
            self._remember_context(self._context_for(window, turn, create=True), turn, scores, stages)
            toward, towards_self = self._heading(turn.text) or (None, None)
        if taken:  # the writer took back their last turn's harm to others
            retraction.take_back(window, taken, cfg.half_life_hours * 3600)
        headed = None  # a pattern of the heading reader this turn completes: (the other turn, the lower reading)
        if towards_self is not None:
            heading.lean(window, towards_self)
        horizon = turn.ts - cfg.retention_days * 86400  # readings are kept within the retention period
        if toward is not None:
            heading.record(window, toward, turn.ts, turn.event_id, turn.user_id, horizon)
            if cfg.heading_cases:
                headed = heading.pattern(window, turn.event_id, horizon, self.heading.threshold, cfg.pattern_min_span_minutes * 60)
        # a pathway short of its weight may open on its case's confidence (`policy.short_pathways`)
        short_ok = self.confidence is not None and pol.opens_short(cfg, lambda: self.heading is not None and heading.corroborates(
            window, horizon, self.heading.threshold, cfg.pattern_min_span_minutes * 60))
        disclosed = False
        tells_of_another = framing.told_of_another(flags)
        if tells_of_another:  # told in words: frames their farewell acts as someone else's
            window.stages[framing.TOLD_KEY] = [turn.ts, turn.event_id]
        if flags[0] and not flags[1]:  # speaks of someone else's risk: frames their later turns about that person
            window.stages[framing.SUPPORTING_KEY] = [turn.ts, turn.event_id]
        elif len(flags) > 8 and flags[8] and framing.supporting(window.stages, turn.ts):
            # the someone else was the writer ("its me ok"): the risk they told of is theirs (their last
            # turn telling of it is their distress, this one their ideation), and nothing later is
            # framed as someone else's
            told = window.stages.pop(framing.SUPPORTING_KEY)
            earlier = window.stages.get("self-harm:distress")
            if earlier is None or earlier[0] < told[0]:  # the later turn: an old distress may be past the stage window
                window.stages["self-harm:distress"] = told
            disclosed = True
        else:
            flags = framing.carry_third_party(flags, framing.supporting(window.stages, turn.ts), bool(ruled))
        at_risk = pol.holds_self_harm(window, turn.ts, cfg, self.thresholds)
        framed = framing.reframe(flags, scores, stages, at_risk, cfg.third_party_cap)
        stages = framed.stages
        if disclosed and BY_KEY["self-harm:ideation"] not in stages:
            stages = stages + [BY_KEY["self-harm:ideation"]]
        for st in stages:
            window.stages[f"{st.pathway}:{st.name}"] = [turn.ts, turn.event_id]
        # a farewell act of the person's own is a self-harm stage of its own (`policy.FAREWELL`); not one
        # whose words tell of someone else's risk (a sister's note, a late father's will), nor within two
        # weeks of a turn that told of it: the bereaved clear out, burn, give away and write letters about
        # the one they lost ("i still cant go in the garage. my wife wants to clear it out", days after
        # telling of a son's suicide). The stage tagger's own third-party reading does not frame it: it
        # reads a farewell note to family ("i want him to know none of this is on him") as about him.
        farewell = (any(s.kind == "model" and s.detail == FAREWELL_SIGNAL for s in score.signals)
                    and not tells_of_another and not framing.supporting(window.stages, turn.ts, framing.TOLD_KEY))
        if farewell:
            pol.record_farewell(window, turn.ts, turn.event_id, cfg)
        effects = [Effect("score", turn.user_id, self._score_payload(turn, score, contextual, stages, framed.scores))]
        # The person's evidence is the turn's own reading (alone, or the conversation read together where
        # that reads clearly worse than every part): what a follow-up inherits from its context is the
        # context turn's reading again, shown on the score but never a second severe reading, a
        # corroboration of the turn it came from, or another peak of the pattern.
        scores = framed.scores if own is scores else framing.reframe(flags, own, stages, at_risk, cfg.third_party_cap).scores

        contrib = pol.contributions(scores, cfg)
        for c, v in contrib.items():
            window.risk[c] = window.risk.get(c, 0.0) + v
        reading = None
        if self.trajectory is not None:
            if self.trajectory.record(window, scores, turn.ts, turn.event_id, turn.user_id) or stages:
                reading = read(self.trajectory, window, turn.ts, turn.event_id)
            else:  # nothing new kept: the score only decayed since the last turn, it cannot newly fire
                reading = Reading(-math.inf, self.trajectory.threshold, [], False)
            if reading.fires:  # the turn that tipped the pattern is evidence, even if mild on its own
                contrib = {**{c: scores[c] for c in reading.categories if scores.get(c, 0.0) >= self.trajectory.floor},
                           **contrib}
        evidence = None
        ban = turn.ban_evasion
        unsaid = framing.unsaid(flags)  # explicit harm the words do not carry: needs corroboration
        wordless = framing.wordless(flags)  # nothing of death or self-harm in it: its intent reading is no statement
        if contrib or stages or ban or farewell or headed:
            # (a turn completing a heading pattern is evidence, even if mild on its own, filed under its pathway)
            top = "self-harm" if farewell else pol.heading_trigger(window, scores, headed).categories[0] if headed else None
            evidence = self._evidence(turn, score, scores, contrib, stages, contextual, ban,
                                      top=top if not contrib and not stages else None, unsaid=unsaid)
            if farewell:
                evidence.stages.append(pol.FAREWELL)
            push_bounded(window.evidence, evidence, cfg.evidence_limit)
        else:  # a later stage read without support: nothing now, cited if its pattern becomes a case
            unsupported = hindsight.readings(window, turn.ts, turn.event_id, _tagged(score), stages, flags, scores, at_risk, cfg)
            if unsupported:
                # (filed under the first stage's pathway category, as `_evidence` files a stage without a score)
                push_bounded(window.hindsight, self._evidence(turn, score, scores, {}, unsupported, contextual),
                             cfg.hindsight_limit)

        flags = {c: scores[c] >= self.thresholds[c] for c in CATEGORIES}
        # a category the turn reads severe only with its context is a reading of several turns: it needs
        # corroboration from outside them, even when it is explicit harm
        assembled = {c for c, v in scores.items() if v > score.category_scores.get(c, 0.0)} if read_with else set()
        moved = {st.pathway for st in stages} | ({"self-harm"} if farewell else set())
        trigger = pol.evaluate(window, scores, flags, moved, turn.ts, cfg, ban, reading,
                               turn.event_id, ruled & {st.pathway for st in stages}, assembled, read_with, self.thresholds,
                               unsaid, wordless, headed, short_ok)
        if trigger is not None and trigger.rule == "trajectory" and self.floors[3] is None:
            trigger = None  # gated by a confidence model this detector does not have (`trajectory_confidence`)
        if trigger is None and evidence is not None and window.case is None and ban is None and self.person is not None \
                and cfg.person_cases:  # no rule's case: the person reader reads the whole window
            whole = self.person.score(person_reader.features(window, turn.ts, cfg, self.trajectory, self.heading is not None))
            if whole > self.person.cut:  # above the score 2 % of the written benign people reach
                trigger = pol.person_trigger(window, scores, whole, turn.event_id, turn.ts, cfg, heading.direction(window))
        if trigger is not None and evidence is not None:
            trigger = self._own_risk(window, trigger, evidence)
            case_effect = self._case_effect(window, turn, trigger, evidence)
            if case_effect is not None:
                effects.append(case_effect)
                if case_effect.payload["route"] == "support":
                    effects.append(Effect("support", turn.user_id,
                                          support_event(case_effect.payload, turn.locale, self.resources)))
        context.forget_text(window.context, cfg)  # what no later turn reads is not kept
        return Step(window, effects)

    # -- the assistant's reading (stream/core/replies.py) -----------------------------------
    def _concern(self, ctx: list[dict], turn: Turn, score: TextScore) -> list | None:
        """[pathways, event id, ts] of the user turn an assistant reply answers, when the reply voices
        concern about it (None otherwise): in the written phrases' reading, or the reply reader's
        beside a word of concern or refusal (`replies.marks_concern`)."""
        learned = {s.detail.split(":", 1)[1] for s in score.signals if s.kind == "model" and (s.detail or "").startswith("voiced:")}
        pathways = replies.voiced(turn.text) | (learned if learned and replies.marks_concern(turn.text) else set())
        user_turn = context.answered(ctx, turn, self.config) if pathways else None
        if user_turn is None:
            return None
        return [sorted(pathways), user_turn["event_id"], user_turn["ts"]]

    def _voiced(self, window: UserWindow, turn: Turn, score: TextScore, concern: list) -> list[Effect]:
        """Record the reply's concern as a stage of the user turn it answered, and open or update a
        case when that completes a pathway (the escalation rule only). Concern for the life of someone
        the person supports (`framing.SUPPORTING_KEY`) is not about the person."""
        pathways, event_id, ts = concern
        if framing.supporting(window.stages, ts):
            pathways = [p for p in pathways if p != "self-harm"]
        for p in pathways:
            earlier = window.stages.get(pol.VOICED[p])
            if p in pol.VOICED_AGAIN and earlier is not None and earlier[1] != event_id:
                window.stages[pol.VOICED_AGAIN[p]] = earlier
            window.stages[pol.VOICED[p]] = [ts, event_id]
        trigger = pol.escalation_on(window, set(pathways), turn.ts, self.config) if pathways else None
        if trigger is None:
            return []
        evidence = self._evidence(turn, score, {}, {}, [], False, top=pol.PATHWAYS[trigger.pathway][0][0])
        push_bounded(window.evidence, evidence, self.config.evidence_limit)
        trigger = self._own_risk(window, trigger, evidence)
        case_effect = self._case_effect(window, turn, trigger, evidence)
        if case_effect is None:
            return []
        if case_effect.payload["route"] == "support":
            return [case_effect, Effect("support", turn.user_id, support_event(case_effect.payload, turn.locale, self.resources))]
        return [case_effect]

    def _own_risk(self, window: UserWindow, trigger: pol.Trigger, evidence: Evidence) -> pol.Trigger:
        """The trigger on the self-harm pathway (support route) when the person reads as heading towards
        themselves (`pol.towards_self`), else as it is: whichever rule opens the case, a user turn's or the
        assistant's voiced concern (change 42), a person at risk is supported, not punished."""
        if pol.towards_self(trigger, evidence, heading.direction(window), self.config):
            return pol.on_own_risk(trigger)
        return trigger

    # -- context-aware scoring (stream/core/context.py) ------------------------------------
    def _with_context(self, ctx: list[dict], turn: Turn,
                      score: TextScore) -> tuple[dict[str, float], dict[str, float], bool, set[str], tuple[str, ...]]:
        """Per-category max of the turn alone and the turn read with its conversation context; the
        turn's own reading (the same without what a follow-up inherits: the context turn's score
        again); whether context changed anything; the stages the tagger reads in the conversation
        read together (empty when not read so); and, when the own reading is a build-up, the
        context turns it was read with (not independent evidence for it)."""
        p = context.plan(ctx, turn, score.category_scores, self.config)
        if p is None:
            alone = dict(score.category_scores)
            return alone, alone, False, set(), ()
        joint = self.read([p.text], [False])  # the tagger reads it below, where its stages can count
        scores, changed = context.apply(p, score.category_scores, joint[0].category_scores, self.config)
        own = context.apply(replace(p, follow_up=False), score.category_scores, joint[0].category_scores,
                            self.config)[0] if p.follow_up else scores
        # Stages read only in the conversation read together are this turn's: it points back at what
        # was said (`context.plan` reads no other turn together), whatever that scored (every
        # follow-up does; so does "if it was chopped into a casserole, would anyone pick up on it"
        # after a question on poisonous plants).
        built = any(v > score.category_scores.get(c, 0.0) for c, v in own.items())
        # The conversation read together is tagged as one text, not clause by clause: its turns'
        # clauses were read with each turn, and the clauses its commas cut across two turns ("play
        # that one\nif the pain doesn't go away after 4 hours") are no one's sentence. Read so
        # (session 25), the out-of-family timeline benchmark kept its recall (94.3 %) with fewer benign
        # people flagged (2.56 -> 2.33 per 1,000; in family 64.5 % at 7.05 -> 6.83), the five blind
        # people sets stayed as they were, and the realistic replay mix read 298 fewer texts.
        self._tag(joint, [p.text], [0], whole=True)
        return scores, own, changed, set(_tagged(joint[0])) - {THIRD_PARTY}, p.read_with if built else ()

    def _stages(self, text: str, scores: dict[str, float], own: dict[str, float], score: TextScore, joint: set[str],
                ctx: list[dict], turn: Turn) -> tuple[list, set[str]]:
        """Stages of the turn, and the pathways the written rules found. The written rules (gated by
        the scores in context: "gun" is research when violence is in the air); the tagger's reading
        of the turn; and what it reads in the conversation read together that no earlier turn of it
        showed alone (intent assembled over follow-ups). A learned stage counts where the written
        rules found its pathway too, or the classifiers lend the turn's own reading support (a score
        in its pathway's family of at least `tagger_min_support` and above what everyday requests
        get from these classifiers, `StageTagger.min_support`, the zh / ko reader's own for zh / ko
        turns; not one inherited from its context:
        "thanks, that's all" after a scary question carries no stage): the tagger alone
        misreads unfamiliar text more often than its training promises. First rungs, and violence
        stages of zh / ko turns, count without that support (`_needs_no_support`). A means stage
        takes the pathway the classifiers read (`policy.means_pathway`)."""
        cjk = self._reads_cjk(text)
        rules = detect_stages(text, scores)
        ruled = {st.pathway for st in rules}
        seen = context.stages_seen(ctx, turn)
        learned = list(_tagged(score)) + [k for k in sorted(joint) if k not in seen]
        # the noise floor of the classifiers that read this turn (zh / ko turns: the n-gram and USE heads)
        floor = (self.tagger.cjk if cjk else self.tagger).min_support if learned else {}
        stated = [f"{st.pathway}:{st.name}" for st in rules]
        learned = [k for k in learned if k in BY_KEY]
        moved = dict(zip(stated + learned, pol.means_pathway(stated + learned, own, self.config)))
        keys = [moved[k] for k in stated] + [
            k for k in (moved[k] for k in learned) if BY_KEY[k].pathway in ruled or _needs_no_support(BY_KEY[k], cjk)
            or pol.support(own, BY_KEY[k].pathway) >= max(self.config.tagger_min_support, floor.get(BY_KEY[k].pathway, 0.0))]
        return [BY_KEY[k] for k in dict.fromkeys(keys)], ruled

    def _framing(self, text: str, score: TextScore, ctx: list[dict], turn: Turn) -> tuple[bool, ...]:
        """The turn's framing flags (stream/core/framing.py), a short follow-up in a conversation at
        play read as play too."""
        flags = framing.read_text(text, THIRD_PARTY in _tagged(score))
        return framing.carry_play(flags, text, context.last_turn(ctx, turn, self.config), self.config.context_max_words)

    def _taken_back(self, ctx: list[dict], turn: Turn) -> str | None:
        """The event id of the turn this one takes back (stream/core/retraction.py), if it does."""
        if not framing.takes_back(turn.text):
            return None
        return retraction.taken_back_turn(ctx, turn, self.config, self.config.third_party_cap)

    def _context_for(self, window: UserWindow, turn: Turn, create: bool = False) -> list[dict]:
        """Context of a person: in the window, or for zero-data-retention tenants in memory only."""
        if turn.tenant_id not in self.config.zdr_tenants:
            return window.context
        key = window.user_id
        if key not in self._volatile_context:
            if not create:
                return []
            self._volatile_context[key] = []
            while len(self._volatile_context) > 50_000:
                self._volatile_context.popitem(last=False)
        self._volatile_context.move_to_end(key)
        return self._volatile_context[key]

    def _remember_reply(self, ctx: list[dict], turn: Turn, score: TextScore) -> None:
        context.remember_reply(ctx, turn, score.category_scores, self.config, turn.tenant_id in self.config.zdr_tenants)

    def _remember_context(self, ctx: list[dict], turn: Turn, scores: dict[str, float], stages: list) -> None:
        context.remember(ctx, turn, scores, self.config, turn.tenant_id in self.config.zdr_tenants,
                         [f"{st.pathway}:{st.name}" for st in stages])

    # -- evidence and cases ----------------------------------------------------------------
    def _evidence(self, turn: Turn, score: TextScore, scores: dict[str, float], contrib: dict[str, float],
                  stages: list, contextual: bool, ban: dict | None = None, top: str | None = None,
                  unsaid: frozenset[str] = frozenset()) -> Evidence:
        if top is None and contrib:  # (`top` given: an assistant reply's concern, under its pathway's category)
            top = top_category(contrib)
        elif top is None and stages:  # a stage signal without a strong score: file it under its pathway's category
            top = pol.PATHWAYS[stages[0].pathway][0][0]
        elif top is None:  # ban evasion: filed under the ban's category
            top = next((c for c in (ban or {}).get("categories") or [] if c in CATEGORIES), "harassment")
        zdr = turn.tenant_id in self.config.zdr_tenants
        text, spans = (None, []) if zdr else excerpt(turn.text, self.config.excerpt_chars)
        return Evidence(
            event_id=turn.event_id,
            conversation_id=turn.conversation_id,
            turn_index=turn.turn_index,
            ts=turn.ts,
            role=turn.role,
            top_category=top,
            score=round(scores.get(top, 0.0), 4),
            scores={c: round(v, 4) for c, v in contrib.items()},
            excerpt=text,
            redactions=[s.to_dict() for s in spans],
            text_sha256=(turn.prescored or {}).get("text_sha256") or hashlib.sha256(turn.text.encode()).hexdigest(),
            signals=[s.to_dict() for s in score.signals] + (
                [{"kind": "identity", "source_id": ban.get("linked_via") or "identity", "category": top,
                  "detail": f"linked to person banned by {ban.get('decision_id')}"}] if ban else []),
            user_id=turn.user_id,
            stages=[f"{st.pathway}:{st.name}" for st in stages],
            contextual=contextual,
            unsaid=sorted(c for c in unsaid if c in contrib),  # kept for the readings the window keeps
        )

    def _case_effect(self, window: UserWindow, turn: Turn, trigger: pol.Trigger, evidence: Evidence) -> Effect | None:
        cfg = self.config
        # a ban means the person's earlier case was decided: evasion is a new case, not an update
        case = None if trigger.rule == "ban-evasion" else window.case
        before = window.case
        imm = pol.imminence(trigger.categories, trigger.stage_imminence)
        back = [i for i in hindsight.cited(window, turn.ts, turn.event_id, trigger.pathway, trigger.categories, cfg)
                if i not in trigger.cites]
        if case is None:
            cats = trigger.categories
            sev = pol.severity(cats, window, cfg, trigger.strength)
            prio = 1 if trigger.rule == "ban-evasion" else pol.priority(sev, imm)  # evaders are reviewed first
            case = OpenCase(case_id=case_id_for(window.user_id, turn.event_id), opened_at=turn.ts, updated_at=turn.ts,
                            last_emitted_at=turn.ts, categories=cats, severity=sev, priority=prio,
                            route=pol.route(cats), rule=trigger.rule,
                            evidence_ids=[i for i in trigger.cites if i != evidence.event_id] + back + [evidence.event_id])
            window.case = case
            event = "open"
        else:
            cats = sorted(set(case.categories) | set(trigger.categories), key=CATEGORIES.index)
            sev = max(case.severity, pol.severity(cats, window, cfg, trigger.strength))
            prio = min(case.priority, pol.priority(sev, max(imm, pol.imminence(cats))))
            worsened = prio < case.priority or set(cats) != set(case.categories)
            case.categories, case.severity, case.priority, case.route = cats, sev, prio, pol.route(cats)
            case.updated_at = turn.ts
            for i in [i for i in (*trigger.cites, *back) if i not in case.evidence_ids] + [evidence.event_id]:
                push_bounded(case.evidence_ids, i, cfg.evidence_limit)
            if not worsened and turn.ts - case.last_emitted_at < cfg.cooldown_minutes * 60:
                return None  # evidence kept in state; no new event inside the cooldown
            event = "update"
        case.last_emitted_at = turn.ts
        payload = build_case_event(window, turn, case, event, evidence, trigger, self.model_version, cfg.version)
        if self.heading is not None:
            payload["heading"] = heading.readings(window, turn.ts - cfg.retention_days * 86400)
            if event == "open" and pol.held_back_by_heading(trigger, case, evidence, payload["heading"][0], cfg):
                window.case = before  # not opened (nothing emitted): a later turn may open it
                return None
        if self.confidence is not None:
            payload["confidence"] = self.confidence.of(payload)
            floor = self.floors[case.route == "support"]
            if trigger.short:  # a pathway short of its weight: its own floor too (`short_pathway_confidence`)
                floor = max(floor, self.floors[2])
            if trigger.rule == "trajectory":  # the trajectory model's own case: its floor too (`trajectory_confidence`)
                floor = max(floor, self.floors[3] or 0.0)
            if event == "open" and trigger.rule != "ban-evasion" and payload["confidence"] < floor:
                window.case = before  # not opened (nothing emitted): a later turn may open it
                return None
        return Effect("case", case.case_id, payload)  # every event of a case (open ... redact) on one partition

    def _score_payload(self, turn: Turn, score: TextScore, contextual: bool, stages: list,
                       scores: dict[str, float] | None = None) -> dict:
        final = scores or score.category_scores
        flags = score.categories if final == score.category_scores else {c: final[c] >= self.thresholds[c] for c in CATEGORIES}
        payload = {
            "event_id": turn.event_id,
            "user_id": turn.user_id,
            "conversation_id": turn.conversation_id,
            "ts": format_rfc3339(turn.ts),
            "role": turn.role,
            "flagged": any(flags.values()),
            "categories": flags,
            "category_scores": {c: round(v, 6) for c, v in final.items()},
            "contextual": contextual,
            "stages": [f"{st.pathway}:{st.name}" for st in stages],
            "signals": [s.to_dict() for s in score.signals],
            "model_version": self.model_version,
        }
        if turn.person_id:
            payload["person_id"] = turn.person_id
        if turn.tenant_id:
            payload["tenant_id"] = turn.tenant_id
        if turn.text_chars is not None:  # only a prefix was scored (Limits.max_text_chars)
            payload["text_truncated"] = True
            payload["text_chars"] = turn.text_chars
        return payload


def _tagged(score: TextScore) -> list[str]:
    """The stage tagger's labels carried by a score's signals (the label alone: a probability would
    differ in its last digits with batch composition, and drivers must agree)."""
    return [sig.detail for sig in score.signals if sig.kind == "model" and sig.source_id.startswith("tagger-")]


def _needs_no_support(stage, cjk: bool) -> bool:
    """A learned stage that counts without the classifiers' support: a first rung (grievance,
    distress: the harm classifiers are not built to read a complaint or sadness, and a first rung
    alone opens nothing), and on a Chinese / Korean turn a violence stage (the zh / ko classifiers
    read violence near zero even on a stated plan: "明天晚上我就在那儿等她，东西都准备好了" 0.02;
    their self-harm readings still gate, since one turn of self-harm intent is a case)."""
    return stage.rank == 1 or (cjk and stage.pathway == "violence")


def _tag_category(key: str) -> str | None:
    return key.split(":")[0] if ":" in key else None


def load_tagger(models_dir, scorer=None) -> tuple | None:
    """(embedder, tagger) from a models directory with a tagger and an encoder, else None; the
    embeddings come from `scorer` when it offers those of its own pass."""
    from stream.scoring.embedding import embedder_for

    if models_dir is None or StageTagger.load(models_dir) is None:
        return None
    embedder = embedder_for(scorer, models_dir)
    if embedder is None:
        return None
    return embedder, StageTagger.load(models_dir, embedder.model_id, embedder.dim)


def _alone(prescored: dict) -> TextScore:
    """The turn-alone score carried by a pre-scored turn."""
    a = prescored["alone"]
    return TextScore(a["scores"], a["flags"], any(a["flags"].values()), tuple(Signal(**s) for s in a["signals"]))
