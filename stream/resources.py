"""Load the repo's configuration tables (crisis resources, reviewer roles), checked on load.

A bad table is a deployment error: it must stop the command with the file and the problem named,
not surface later as a KeyError while a person in crisis is waiting for a support event.
"""

from __future__ import annotations

from pathlib import Path

import orjson

ROOT = Path(__file__).resolve().parents[1]
CRISIS_RESOURCES = ROOT / "resources" / "crisis_resources.json"
ROLES = ROOT / "config" / "roles.json"


class ConfigError(ValueError):
    pass


def load_json(path: Path) -> dict:
    try:
        value = orjson.loads(path.read_bytes())
    except FileNotFoundError:
        raise ConfigError(f"{path}: file not found") from None
    except orjson.JSONDecodeError as exc:
        raise ConfigError(f"{path}: not valid JSON: {exc}") from None
    if not isinstance(value, dict):
        raise ConfigError(f"{path}: expected a JSON object")
    return value


def load_crisis_resources(path: str | Path | None = None) -> dict:
    """The crisis-resource table: a `default` entry and `regions` keyed by ISO 3166-1 alpha-2."""
    path = Path(path or CRISIS_RESOURCES)
    table = load_json(path)
    entries = {"default": table.get("default"), **{f"regions.{k}": v for k, v in table.get("regions", {}).items()}}
    for name, entry in entries.items():
        if not isinstance(entry, dict) or not isinstance(entry.get("resources"), list) or not entry["resources"]:
            raise ConfigError(f"{path}: {name} needs a non-empty 'resources' list")
        for r in entry["resources"]:
            if not isinstance(r, dict) or not r.get("name") or not (r.get("phone") or r.get("sms") or r.get("url")):
                raise ConfigError(f"{path}: {name}: each resource needs a name and a phone, sms or url")
    for key in table.get("regions", {}):
        if len(key) != 2 or not key.isupper():
            raise ConfigError(f"{path}: region {key!r} is not an ISO 3166-1 alpha-2 code")
    return table


def load_roles(path: str | Path | None = None) -> dict[str, dict]:
    """Reviewer roles by name: `reveal` (bool) and, when it is true, the `categories` it covers ("*" = all)."""
    from stream.taxonomy import CATEGORIES

    path = Path(path or ROLES)
    roles = load_json(path).get("roles")
    if not isinstance(roles, dict) or not roles:
        raise ConfigError(f"{path}: needs a non-empty 'roles' object")
    for name, role in roles.items():
        if not isinstance(role, dict) or not isinstance(role.get("reveal"), bool):
            raise ConfigError(f"{path}: role {name!r} needs 'reveal': true or false")
        cats = role.get("categories", [])
        if role["reveal"] and not cats:
            raise ConfigError(f"{path}: role {name!r} may reveal but lists no 'categories'")
        unknown = sorted(set(cats) - set(CATEGORIES) - {"*"})
        if unknown:
            raise ConfigError(f"{path}: role {name!r}: unknown categories {', '.join(unknown)}")
    return roles
