"""The usage-policy taxonomy: the 13 OpenAI moderation category keys, in their canonical order.

Every score, threshold table and model output uses this order, so it lives in one place.
"""

CATEGORIES: tuple[str, ...] = (
    "harassment",
    "harassment/threatening",
    "hate",
    "hate/threatening",
    "illicit",
    "illicit/violent",
    "self-harm",
    "self-harm/intent",
    "self-harm/instructions",
    "sexual",
    "sexual/minors",
    "violence",
    "violence/graphic",
)

# A sub-category implies its parent (a threatening hate turn is hate).
PARENT: dict[str, str] = {c: c.split("/")[0] for c in CATEGORIES if "/" in c}

# Categories whose cases are routed to support (crisis resources), never to enforcement.
SUPPORT_CATEGORIES: frozenset[str] = frozenset({"self-harm", "self-harm/intent", "self-harm/instructions"})
# Categories of a threat to someone: explicit harm on one turn only with a threat stage and words of
# violence or a threat (stream/core/policy.py `explicit`, stream/core/framing.py `THREAT_WORDS`).
THREAT_CATEGORIES: frozenset[str] = frozenset({"harassment/threatening", "hate/threatening"})
