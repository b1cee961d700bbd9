"""Rewrite the facts snapshots: `python tests/snapshots/update.py` from anywhere in the checkout.

One `<case>.txt` per rule case in tests/rule_cases/ (`tests/test_fact_snapshots.py` compares them).
Review the diff before committing it: it is what a change did to the extracted facts.
"""

from __future__ import annotations

import sys
from pathlib import Path

TESTS = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(TESTS.parent), str(TESTS)]  # the checkout's package, not an installed copy

from snapshots.facts_snapshot import HERE, cases, snapshot, snapshot_path  # noqa: E402


def main() -> int:
    wanted = {snapshot_path(case) for case in cases()}
    for stale in sorted(set(HERE.glob("*.txt")) - wanted):
        stale.unlink()
        print(f"removed {stale.name}")
    changed = 0
    for case in cases():
        path, text = snapshot_path(case), snapshot(case)
        if not path.is_file() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")
            changed += 1
            print(f"wrote {path.name}")
    print(f"{changed} of {len(wanted)} snapshots changed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
