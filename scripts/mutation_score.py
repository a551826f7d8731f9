"""Print the mutation score of one package from mutmut's result files (scripts/mutation.sh).

Usage: mutation_score.py <mutants/webgis/package dir> <label> [--survivors]
                         [--only "<name> <name> ..."] [--sample N SEED]
``--only`` scores those mutants only; ``--sample`` prints N mutant names picked at random
(seeded) instead of a score. A mutant counts as killed when a test failed on it or it
timed out; "no tests" (no test calls the function) counts as survived. Not-yet-checked
mutants are left out and counted.
"""

from __future__ import annotations

import json
import random
import sys
from collections import Counter
from pathlib import Path

KILLED = {1, 3, 36, -24, 24, 152, 255, 37}  # test failure, pytest error, timeout, type check
SURVIVED = {0}
NO_TESTS = {5, 33}


def main(argv: list[str]) -> int:
    root, label = Path(argv[1]), argv[2]
    every = sorted(name for meta in sorted(root.rglob("*.py.meta"))
                   for name in json.loads(meta.read_text()).get("exit_code_by_key", {}))
    if "--sample" in argv:
        i = argv.index("--sample")
        n, seed = int(argv[i + 1]), int(argv[i + 2])
        print("\n".join(sorted(random.Random(seed).sample(every, min(n, len(every))))))
        return 0
    only = set(argv[argv.index("--only") + 1].split()) if "--only" in argv else None
    counts: Counter[str] = Counter()
    survivors: list[str] = []
    for meta in sorted(root.rglob("*.py.meta")):
        data = json.loads(meta.read_text())
        for name, code in data.get("exit_code_by_key", {}).items():
            if only is not None and name not in only:
                continue
            if code is None:
                counts["not checked"] += 1
            elif code in KILLED:
                counts["killed"] += 1
            elif code in SURVIVED:
                counts["survived"] += 1
                survivors.append(name)
            elif code in NO_TESTS:
                counts["no tests"] += 1
                survivors.append(name)
            else:
                counts["other"] += 1
                survivors.append(f"{name} (exit {code})")
    checked = counts["killed"] + counts["survived"] + counts["no tests"] + counts["other"]
    score = 100.0 * counts["killed"] / checked if checked else 0.0
    detail = ", ".join(f"{k} {v}" for k, v in sorted(counts.items()))
    sample = f" of a sample of {len(only)} out of {len(every)}" if only is not None else ""
    print(f"{label}: {score:.1f} % killed{sample} ({counts['killed']}/{checked}; {detail})")
    if "--survivors" in argv:
        print("\n".join(survivors))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
