"""Build hash banks (models/banks/<id>.json: hashes only) from project-written seeds in
models/banks/seed/*.seed.json. Run: `python -m models.train.build_banks` (part of `make models`)."""

from __future__ import annotations

import json
from pathlib import Path

from stream.scoring.hashbank import make_entry

BANKS = Path(__file__).resolve().parents[1] / "banks"


def main() -> None:
    for seed in sorted((BANKS / "seed").glob("*.seed.json")):
        doc = json.loads(seed.read_text(encoding="utf-8"))
        out = {k: v for k, v in doc.items() if k != "entries"}
        out["version"] = str(doc.get("version", "1"))
        out["entries"] = [make_entry(e["id"], e["text"], e["categories"]) for e in doc["entries"]]
        path = BANKS / f"{doc['id']}.json"
        path.write_text(json.dumps(out, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
        print(f"  bank {doc['id']}: {len(out['entries'])} entries -> {path}")


if __name__ == "__main__":
    main()
