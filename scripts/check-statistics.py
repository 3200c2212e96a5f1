#!/usr/bin/env python3
"""Checks Parley's statistics reference table against SciPy.

Tests/ParleyStatisticsTests/Fixtures/statistics-reference.json lists cases with the values Parley
must compute (the Swift tests check Parley against it). This script recomputes every value with
SciPy, by a different route where one exists (pass@k and pass^k as hypergeometric probabilities),
and fails when any differs. `--write` regenerates the table from SciPy.

    python3 scripts/check-statistics.py            # check (the test command runs this)
    python3 scripts/check-statistics.py --write    # rewrite the table
"""
import json
import math
import sys
from pathlib import Path

from scipy import stats

TABLE = Path(__file__).resolve().parent.parent / "Tests/ParleyStatisticsTests/Fixtures/statistics-reference.json"

WILSON = [(0, 1), (1, 1), (0, 10), (10, 10), (7, 10), (3, 10), (1, 3), (2, 3), (50, 100), (999, 1000),
          (0, 1000), (13, 37), (4, 5), (19, 20)]
FISHER = [((5, 0), (4, 1)), ((10, 0), (5, 5)), ((10, 0), (0, 10)), ((3, 0), (0, 3)), ((20, 0), (15, 5)),
          ((9, 1), (9, 1)), ((0, 5), (5, 0)), ((1, 0), (0, 1)), ((100, 0), (90, 10)), ((45, 5), (30, 20)),
          ((1000, 0), (990, 10)), ((7, 3), (2, 8)), ((2, 1), (1, 4))]
PASS_AT_K = [(10, 7, 1), (10, 7, 3), (10, 7, 10), (10, 0, 3), (10, 10, 3), (5, 2, 2), (5, 4, 5),
             (20, 3, 5), (100, 50, 10), (3, 1, 3), (1, 1, 1), (1, 0, 1), (200, 190, 20)]


def wilson(k, n):
    ci = stats.binomtest(k, n).proportion_ci(confidence_level=0.95, method="wilson")
    return {"passed": k, "runs": n, "lower": float(ci.low), "upper": float(ci.high)}


def fisher(base, candidate):
    table = [list(base), list(candidate)]
    drop = stats.fisher_exact(table, alternative="greater")[1]
    rise = stats.fisher_exact(table, alternative="less")[1]
    return {"base_passed": base[0], "base_runs": sum(base), "candidate_passed": candidate[0],
            "candidate_runs": sum(candidate), "p_drop": float(drop), "p_rise": float(rise)}


def pass_at_k(n, c, k):
    # k draws without replacement from n runs of which c passed: pass@k is P(at least one pass),
    # pass^k is P(all k pass).
    at = 1.0 - float(stats.hypergeom.pmf(0, n, c, k))
    hat = float(stats.hypergeom.pmf(k, n, c, k))
    return {"runs": n, "passed": c, "k": k, "pass_at_k": at, "pass_hat_k": hat}


def computed():
    return {
        "wilson": [wilson(k, n) for k, n in WILSON],
        "fisher": [fisher(b, c) for b, c in FISHER],
        "pass_at_k": [pass_at_k(n, c, k) for n, c, k in PASS_AT_K],
    }


def close(a, b):
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)


def main():
    reference = computed()
    if "--write" in sys.argv:
        TABLE.write_text(json.dumps(reference, indent=2) + "\n")
        print(f"wrote {TABLE}")
        return 0
    table = json.loads(TABLE.read_text())
    failures = 0
    checked = 0
    for section, rows in reference.items():
        stored = table.get(section, [])
        if len(stored) != len(rows):
            print(f"{section}: the table has {len(stored)} cases, SciPy computed {len(rows)}")
            failures += 1
            continue
        for want, have in zip(rows, stored):
            for key, value in want.items():
                checked += 1
                if not close(float(value), float(have.get(key, float("nan")))):
                    print(f"{section} {want}: {key} is {have.get(key)} in the table, SciPy says {value}")
                    failures += 1
    print(f"statistics reference: {checked - failures} of {checked} values agree with SciPy")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
