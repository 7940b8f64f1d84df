"""Exact prefilters for the written phrase rules: skip a regex that cannot match.

Most turns match no stage rule, yet each rule is a long alternation the regex engine tries at
every position of the text. `required_factors` reads a compiled pattern's parse tree and finds a
set of literal strings one of which every match must contain (a run of literal characters, the
union over the branches of an alternation, the body of a repeat taken at least once; zero-width
assertions do not break a run). A text containing none of them cannot match, so the regex is not
run; a text containing one is searched as before. The answer is the regex's own, never a guess:
`None` (no factor set found, e.g. a branch starting with a character class) means always search.

A long rule as a whole often has a short, common factor ("her", from one phrase of fifty), so
`Prefiltered` also splits it into its top-level alternatives (its phrases) and searches only those
whose own factors the text holds: the rule matches exactly when one of its alternatives does.

Which factors a text holds is found once per text for every rule (`FactorIndex`: one Aho-Corasick
pass, pyahocorasick), not by a substring test per factor per rule: the stage and framing rules have
about 490 factors, and testing them one by one cost ~35 us a user turn against ~2 us for the pass.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import ahocorasick

try:  # Python 3.11+
    from re import _constants as _c
    from re import _parser as _sre
except ImportError:  # pragma: no cover - older Pythons
    import sre_constants as _c  # type: ignore[no-redef]
    import sre_parse as _sre  # type: ignore[no-redef]

_ZERO_WIDTH = {_c.AT, _c.ASSERT, _c.ASSERT_NOT}
_REPEATS = {_c.MAX_REPEAT, _c.MIN_REPEAT} | ({_c.POSSESSIVE_REPEAT} if hasattr(_c, "POSSESSIVE_REPEAT") else set())


def required_factors(pattern: re.Pattern, fold: bool = False) -> frozenset[str] | None:
    """Literal strings one of which occurs in every match of `pattern` (None: none found). `fold`:
    lower-cased, one of which the lower-cased text holds whatever the pattern's case flags; exact
    for ASCII text only (under `re.I` a few other letters match ASCII ones: "K", the Kelvin sign,
    matches "k"), and None when a factor is not ASCII."""
    if (pattern.flags & re.IGNORECASE and not fold) or isinstance(pattern.pattern, bytes):
        return None
    found = _sequence(_sre.parse(pattern.pattern, pattern.flags), fold)
    if not found or fold and not all(map(str.isascii, found)):
        return None
    return frozenset(found)


def requires_digit(pattern: re.Pattern) -> bool:
    """Whether every match of `pattern` holds a decimal digit (one `\\d` matches): a text without
    one cannot match. False where that is not certain (a lookahead, a class that is not all digits)."""
    return not isinstance(pattern.pattern, bytes) and _needs_digit(_sre.parse(pattern.pattern, pattern.flags))


def may_match(factors: frozenset[str] | None, text: str) -> bool:
    """False only when no match is possible (`text` holds none of the factors)."""
    return factors is None or any(map(text.__contains__, factors))


class FactorIndex:
    """The factors of every `Prefiltered` rule, found in a text in one Aho-Corasick pass. The set of a
    text is kept for the next call: the rules of a turn ask about the same normalised text in a row."""

    def __init__(self) -> None:
        self.factors: set[str] = set()
        self._automaton = None
        self._last: tuple[str | None, frozenset[str]] = (None, frozenset())

    def add(self, factors: frozenset[str] | None) -> None:
        if factors and not factors <= self.factors:
            self.factors |= factors
            self._automaton, self._last = None, (None, frozenset())

    def present(self, text: str) -> frozenset[str]:
        """Every indexed factor that occurs in `text` (exact: overlapping and nested ones too)."""
        last_text, found = self._last
        if text is last_text or text == last_text:
            return found
        if self._automaton is None:
            self._automaton = ahocorasick.Automaton()
            for f in self.factors:
                self._automaton.add_word(f, f)
            self._automaton.make_automaton()
        found = frozenset(f for _end, f in self._automaton.iter(text)) if self.factors else frozenset()
        self._last = (text, found)
        return found


FACTORS = FactorIndex()  # of every rule built by `Prefiltered.of`


def _holds(factors: frozenset[str] | None, present: frozenset[str]) -> bool:
    """`may_match` given the indexed factors the text holds (`factors` are among them)."""
    return factors is None or not factors.isdisjoint(present)


@dataclass(frozen=True)
class Prefiltered:
    """A pattern searched behind its factors and, alternative by alternative, behind theirs:
    `found(text)` is `pattern.search(text) is not None`, with the searches that cannot match skipped.
    `by_factor`: per factor, the alternatives it guards (a text holds few of a rule's factors, so
    only those alternatives are looked at); `unguarded`: alternatives without factors, always searched."""

    pattern: re.Pattern
    factors: frozenset[str] | None
    branches: tuple[tuple[frozenset[str] | None, "re.Pattern | _Branch"], ...]
    by_factor: dict[str, tuple[int, ...]] = field(default_factory=dict, compare=False)
    unguarded: tuple[int, ...] = ()

    @classmethod
    def of(cls, pattern: re.Pattern) -> "Prefiltered":
        guarded = tuple((required_factors(b), b) for b in alternatives(pattern))
        by_factor: dict[str, list[int]] = {}
        for i, (factors, _b) in enumerate(guarded):
            for f in factors or ():
                by_factor.setdefault(f, []).append(i)
        unguarded = tuple(i for i, (factors, _b) in enumerate(guarded) if factors is None)
        # the rule's own factors: its single branch's; split into alternatives, theirs together (one
        # of them is in every match), which spares parsing the whole pattern a second time at start-up
        factors = guarded[0][0] if len(guarded) == 1 else None if unguarded else frozenset(by_factor)
        for branch_factors, _b in guarded:  # the rule's factors are among its branches'
            FACTORS.add(branch_factors)
        return cls(pattern, factors, guarded, {f: tuple(v) for f, v in by_factor.items()}, unguarded)

    def found(self, text: str) -> bool:
        present = FACTORS.present(text)
        if not _holds(self.factors, present):
            return False
        todo = set(self.unguarded)
        for f in present:
            todo.update(self.by_factor.get(f, ()))
        return any(self.branches[i][1].search(text) is not None for i in todo)


class _Branch:
    """One alternative of a rule, compiled on its first search: most of the rules' phrases are never
    searched in a run (388 of 593 on the realistic mix of bench/bench_replay.py: no text held their
    factors), and compiling them all cost ~30 ms of a process's start-up. `pattern` and `flags` as
    a compiled pattern's, for `required_factors`."""

    __slots__ = ("pattern", "flags", "_compiled")

    def __init__(self, pattern: str, flags: int):
        self.pattern, self.flags, self._compiled = pattern, flags, None

    def search(self, text: str) -> re.Match | None:
        if self._compiled is None:
            self._compiled = re.compile(self.pattern, self.flags)
        return self._compiled.search(text)


def alternatives(pattern: re.Pattern) -> list["re.Pattern | _Branch"]:
    """The pattern's top-level alternatives, each compiled on its first search (`_Branch`), or the
    pattern itself when it has one or cannot be split (`top_level_alternatives`): it matches exactly
    where one of them does."""
    parts = top_level_alternatives(pattern)
    return [_Branch(part, pattern.flags) for part in parts] if parts and len(parts) > 1 else [pattern]


def top_level_alternatives(pattern: re.Pattern) -> list[str] | None:
    """The pattern's source split at its top-level `|` (outside groups and classes, unescaped), or
    None when searching the parts one by one might not be searching the pattern: capturing groups
    (numbered anew in a part), comments and verbose patterns (a parenthesis in a comment), bytes."""
    src = pattern.pattern
    if isinstance(src, bytes) or pattern.groups or pattern.flags & re.VERBOSE or "(?#" in src:
        return None
    parts, start, depth, i = [], 0, 0, 0
    while i < len(src):
        ch = src[i]
        if ch == "\\":
            i += 1  # the escaped character is no operator
        elif ch == "[":
            i = _class_end(src, i)
        elif ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        elif ch == "|" and depth == 0:
            parts.append(src[start:i])
            start = i + 1
        i += 1
    return parts + [src[start:]]


def _class_end(src: str, i: int) -> int:
    """Index of the `]` closing the character class opened at `src[i]` (a `]` right after `[` or
    `[^` is a member, as is any escaped character)."""
    i += 1
    if i < len(src) and src[i] == "^":
        i += 1
    if i < len(src) and src[i] == "]":
        i += 1
    while i < len(src) and src[i] != "]":
        i += 2 if src[i] == "\\" else 1
    return i


def _sequence(items, fold: bool = False) -> set[str] | None:
    """Best factor set of a sequence: each item's (or literal run's) set is necessary on its own;
    keep the one whose shortest string is longest (fewest chance hits). `fold`: lower-cased
    (`required_factors`)."""
    candidates: list[set[str]] = []
    run = ""
    for op, av in list(items):
        if op is _c.LITERAL:
            run += chr(av).lower() if fold else chr(av)
            continue
        if op in _ZERO_WIDTH:
            continue  # consumes nothing: the characters on either side are adjacent in the match
        if run:
            candidates.append({run})
            run = ""
        found = _item(op, av, fold)
        if found is not None:
            candidates.append(found)
    if run:
        candidates.append({run})
    return max(candidates, key=lambda s: min(map(len, s))) if candidates else None


def _item(op, av, fold: bool = False) -> set[str] | None:
    if op is _c.SUBPATTERN:  # (?i:...) is not literal, unless folded
        return None if av[1] & _c.SRE_FLAG_IGNORECASE and not fold else _sequence(av[-1], fold)
    if op is _c.BRANCH:
        out: set[str] = set()
        for alternative in av[1]:
            found = _sequence(alternative, fold)
            if found is None:
                return None  # a branch without a factor: the alternation has none
            out |= found
        return out
    if op in _REPEATS:
        low, _high, body = av
        return _sequence(body, fold) if low >= 1 else None
    if op is getattr(_c, "ATOMIC_GROUP", None):
        return _sequence(av, fold)
    return None  # a character class, any character, a back reference: no literal


def _needs_digit(items) -> bool:
    """A sequence needs a digit if one of its items does."""
    return any(_item_needs_digit(op, av) for op, av in list(items))


def _item_needs_digit(op, av) -> bool:
    if op is _c.LITERAL:
        return chr(av).isdecimal()
    if op is _c.IN:  # a class all of whose members are digits: \d, [0-9], [0-5]
        return all(o is _c.CATEGORY and a is _c.CATEGORY_DIGIT
                   or o is _c.RANGE and all(chr(x).isdecimal() for x in range(a[0], a[1] + 1))
                   or o is _c.LITERAL and chr(a).isdecimal() for o, a in av)
    if op is _c.SUBPATTERN:
        return _needs_digit(av[-1])
    if op is _c.BRANCH:
        return all(_needs_digit(alternative) for alternative in av[1])
    if op in _REPEATS:
        return av[0] >= 1 and _needs_digit(av[2])
    if op is getattr(_c, "ATOMIC_GROUP", None):
        return _needs_digit(av)
    return False
