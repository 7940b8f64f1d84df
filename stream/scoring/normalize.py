"""Text normalisation shared by the model featuriser, blocklists and hash banks.

Two levels:

* `normalize_text` (model level): Unicode NFKC, case folding, zero-width / control characters
  removed, homoglyphs folded to Latin, whitespace collapsed. Keeps punctuation, digits and CJK
  so the models still see the surface form. Used by `features.py` at training AND run time.
* `normalize_for_match` (matching level, obfuscation-resistant): the model-level form plus
  diacritics stripped, leetspeak digits/symbols folded to letters, runs of 3+ identical letters
  squeezed to 2, punctuation turned into word breaks and spaced-out words ("k i l l",
  "k.i.l.l", "k-i-l-l") re-joined (not a contraction's pieces: "I'm a" stays "i m a"). The result is a sequence of space-separated tokens, so
  blocklist phrases are matched on whole-token boundaries ("skill" never matches "kill").

Everything here is pure Python + `unicodedata`; no I/O.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from stream.scoring.lru import Lru

# Zero-width and invisible formatting characters (ZWSP, ZWNJ, ZWJ, word joiner, BOM, soft hyphen,
# Mongolian vowel separator, invisible times/separator/plus, LTR/RTL marks and embeddings).
_INVISIBLE = dict.fromkeys(
    [0x00AD, 0x034F, 0x061C, 0x115F, 0x1160, 0x17B4, 0x17B5, 0x180E, 0x200B, 0x200C, 0x200D,
     0x200E, 0x200F, 0x202A, 0x202B, 0x202C, 0x202D, 0x202E, 0x2060, 0x2061, 0x2062, 0x2063,
     0x2064, 0x2066, 0x2067, 0x2068, 0x2069, 0x3164, 0xFE0E, 0xFE0F, 0xFEFF, 0xFFA0]
)
# Variation selectors and tag characters (used to smuggle text).
_INVISIBLE.update(dict.fromkeys(range(0xFE00, 0xFE10)))
_INVISIBLE.update(dict.fromkeys(range(0xE0000, 0xE0080)))

# Confusable letters that NFKC leaves alone (Cyrillic / Greek / Armenian / IPA look-alikes) -> Latin.
_HOMOGLYPHS_SRC = {
    # Cyrillic
    "а": "a", "в": "b", "е": "e", "ё": "e", "к": "k", "м": "m", "н": "h", "о": "o", "р": "p",
    "с": "c", "т": "t", "у": "y", "х": "x", "ѕ": "s", "і": "i", "ї": "i", "ј": "j", "һ": "h",
    "ԁ": "d", "ԛ": "q", "ԝ": "w", "ɡ": "g", "ӏ": "l", "ո": "n", "ս": "u", "ց": "g", "օ": "o",
    # Greek (lower case; case folding runs first)
    "α": "a", "β": "b", "ε": "e", "η": "n", "ι": "i", "κ": "k", "ν": "v", "ο": "o", "ρ": "p",
    "τ": "t", "υ": "u", "χ": "x", "ω": "w", "ς": "s", "γ": "y", "μ": "u",
    # Latin extensions / IPA
    "ı": "i", "ȷ": "j", "ɑ": "a", "ɩ": "i", "ʟ": "l", "ɴ": "n", "ʀ": "r", "ꜱ": "s", "ᴀ": "a",
    "ʙ": "b", "ᴄ": "c", "ᴅ": "d", "ᴇ": "e", "ɢ": "g", "ʜ": "h", "ɪ": "i", "ᴊ": "j", "ᴋ": "k",
    "ᴍ": "m", "ᴏ": "o", "ᴘ": "p", "ᴛ": "t", "ᴜ": "u", "ᴠ": "v", "ᴡ": "w", "ʏ": "y", "ᴢ": "z",
    "ø": "o", "ł": "l", "đ": "d", "ħ": "h", "ŧ": "t", "ß": "ss", "æ": "ae", "œ": "oe",
}
_HOMOGLYPHS = {ord(k): v for k, v in _HOMOGLYPHS_SRC.items()}
_MODEL_TABLE = dict(_INVISIBLE)
_MODEL_TABLE.update(_HOMOGLYPHS)

# Leetspeak folding (matching level only, applied to tokens that contain at least one letter).
_LEET = str.maketrans({"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "8": "b",
                       "9": "g", "@": "a", "$": "s", "!": "i", "|": "i", "+": "t", "€": "e",
                       "£": "l", "¡": "i"})
_LEET_CHARS = set("0134578 9@$!|+€£¡".replace(" ", ""))

_WS = re.compile(r"\s+")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_TOKEN_SPLIT = re.compile(r"[^\w@$!|+€£¡]+")  # word breaks for matching (leet symbols kept for now)
_REPEAT = re.compile(r"([a-z])\1{2,}")


@lru_cache(maxsize=4096)
def normalize_text(text: str) -> str:
    """Model-level normalisation (see module docstring). Idempotent. Memoised: a user turn is
    normalised to be scored, then again to be embedded for the stage tagger (an assistant reply,
    for the reply reader)."""
    if not text:
        return ""
    t = unicodedata.normalize("NFKC", text)
    t = t.casefold()
    t = t.translate(_MODEL_TABLE)
    t = _CONTROL.sub(" ", t)
    t = _WS.sub(" ", t).strip()
    return t


def _strip_marks(t: str) -> str:
    if t.isascii():
        return t
    d = unicodedata.normalize("NFD", t)
    # recomposed: NFD splits each Hangul syllable into jamo, which are no marks, and Korean phrases
    # (blocklists, stage and framing patterns) are written as syllables (until session 17 every
    # Korean pattern of stages.py and framing.py silently never matched)
    return unicodedata.normalize("NFC", "".join(ch for ch in d if not unicodedata.combining(ch)))


def _fold_token(tok: str) -> str:
    """Leetspeak / symbol folding of one token (letter floods are squeezed later, per text)."""
    tok = tok.strip("!|+¡")  # sentence punctuation, not leetspeak, at token edges ("sleep!!")
    if any(c in _LEET_CHARS for c in tok) and any(c.isalpha() for c in tok):
        tok = tok.translate(_LEET)
    elif tok and all(c in _LEET_CHARS for c in tok) and not tok.isdigit():
        tok = tok.translate(_LEET)  # e.g. "@$$" -> "ass"; plain numbers stay numbers
    return _LEET_LEFT.sub("", tok)


_LEET_LEFT = re.compile(r"[@$!|+€£¡]")
# One-letter pieces a contraction or chat shorthand leaves ("I'm", "I'd", "u r"): not a spaced-out word.
_CONTRACTION_PIECES = frozenset({("i", "m"), ("i", "d"), ("u", "r")})


def match_tokens(text: str, normalized: bool = False) -> list[str]:
    """Obfuscation-resistant token sequence used by blocklists and hash banks.

    `normalized=True` skips `normalize_text` (the caller already applied it)."""
    t = _strip_marks(text if normalized else normalize_text(text))
    if not t:
        return []
    raw = [tok for tok in _TOKEN_SPLIT.split(t) if tok]
    toks = []
    for tok in raw:
        if not tok.isalpha():  # fast path: plain words need no folding
            tok = _fold_token(tok)
            if not tok:
                continue
        toks.append(tok)
    if any(len(x) > 2 for x in toks):
        toks = _REPEAT.sub(r"\1\1", " ".join(toks)).split(" ")
    # Re-join spaced-out words: a run of >= 3 single-letter tokens ("k i l l", "k.i.l.l"), but not one
    # that starts with a contraction's pieces ("I'm a burden" -> "i m a burden", not "ima burden")
    out: list[str] = []
    run: list[str] = []
    for tok in toks:
        if len(tok) == 1 and tok.isalpha():
            if len(run) == 2 and (run[0], run[1]) in _CONTRACTION_PIECES:
                out.extend(run)
                run = []
            run.append(tok)
            continue
        if run:
            out.extend(["".join(run)] if len(run) >= 3 else run)
            run = []
        out.append(tok)
    if run:
        out.extend(["".join(run)] if len(run) >= 3 else run)
    return out


# A span in double quotes (or CJK corner brackets): words the writer quotes. The assistant's reply
# reader (stream/core/replies.py) and the framing's quoted words (stream/core/framing.py) both read it.
OPEN_QUOTES = "\"\u201c\u300c\u300e"
CLOSE_QUOTES = "\"\u201d\u300d\u300f"
QUOTED = f"[{OPEN_QUOTES}][^{CLOSE_QUOTES}]{{3,}}[{CLOSE_QUOTES}]"

_APOSTROPHE = re.compile(r"'\??")


def apostrophes_either(pattern: str) -> str:
    """A pattern written with apostrophes ("can'?t", "i'm") as it must read `normalize_for_match`
    text, where an apostrophe has become a space ("i can t go on"): an apostrophe matches either."""
    return _APOSTROPHE.sub(lambda m: "[' ]?" if m.group().endswith("?") else "[' ]", pattern)


@lru_cache(maxsize=512)
def normalize_for_match(text: str) -> str:
    """Matching-level normalisation: tokens joined by single spaces. Memoised (a few hundred recent
    texts of at most `Limits.max_text_chars`): the stage rules, the framing rules and the next
    follow-up's look back each read the same turn's text in this form; a text the scorer just
    tokenised for its lists is taken from there (`seed_match_form`)."""
    seeded = _SEEDS.pop(text)
    return seeded if seeded is not None else " ".join(match_tokens(text))


# Matching-level forms the scorer computed (text -> form), not yet asked for: a turn's stage and
# framing rules run after its batch is scored, so the form is kept until then (at most SEEDS_KEPT).
SEEDS_KEPT = 4096
_SEEDS: Lru[str, str] = Lru(SEEDS_KEPT)


def seed_match_form(text: str, form: str) -> None:
    """Keep `form` (" ".join of `match_tokens(text)`, computed by the caller anyway) for the next
    `normalize_for_match(text)`: tokenising a user turn again cost about 18 us."""
    _SEEDS.put(text, form)
