"""Benchmark: cohort matching (issue 16) — score building and the certified-optimal solve, with a
first-come greedy matching and Hungarian-in-rounds on the same pools. Prints a markdown table.

    python bench/cohort.py [--sizes 500x250,2000x1000,10000x5000,20000x10000] [--hungarian-up-to 2000]

Each size runs in a fresh process, so its peak RSS (ru_maxrss: Python, Django's settings, NumPy,
OR-Tools and the round's arrays) is its own. The pool is generated like a real program's: the
default criteria (mentoring/defaults.py), mentees choosing 1-4 areas and 1-3 skills with some
areas far more popular than others, mentors further on in career stage, 300 organizations, one
mentor in five offering a single place and the rest two or three, half the mentees shortlisting
up to five mentors (bonus 10). Hard rules: must-match categories, not the same organization,
mentor ahead. "Score building" is encoding the enrollments and the full score matrix
(cohorts.scoring); "solve" is cohorts.solver.solve, certificate included.
"""

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def generate(n_mentees, n_mentors, seed):
    import numpy as np

    from mentoring.defaults import DEFAULT_CATEGORIES, DEFAULT_KINDS
    from mentoring.matching import CategoryRule

    rng = np.random.default_rng(seed)
    categories, options = [], {}
    next_id = 1
    for cid, row in enumerate(DEFAULT_CATEGORIES, start=1):
        name, _applies, multiple, weight, must_match, *_help, labels = row
        ids = list(range(next_id, next_id + len(labels)))
        next_id += len(labels)
        kind = DEFAULT_KINDS.get(name, "same")
        levels = tuple(ids) if kind == "ahead" else ()
        categories.append(CategoryRule(cid, name, weight, must_match, multiple, kind, levels))
        options[cid] = ids
    # Languages is must-match in this pool, so the rule has something to do.
    categories = [
        CategoryRule(c.id, c.name, c.weight, True, c.multiple, c.kind, c.levels)
        if c.name == "Languages"
        else c
        for c in categories
    ]

    def popularity(k):
        weights = 1.0 / np.arange(1, k + 1) ** 0.8
        return weights / weights.sum()

    def member(mentor: bool):
        chosen = {}
        for c in categories:
            ids = options[c.id]
            if c.kind == "ahead":
                level = rng.integers(2, len(ids)) if mentor else rng.integers(0, len(ids) - 2)
                chosen[c.id] = {ids[int(level)]}
            elif c.name == "Languages":
                chosen[c.id] = {ids[0]} | (
                    {ids[int(rng.integers(1, len(ids)))]} if rng.random() < 0.2 else set()
                )
            elif c.multiple:
                count = int(rng.integers(1, 5 if c.weight >= 3 else 4))
                picks = rng.choice(
                    len(ids), size=min(count, len(ids)), replace=False, p=popularity(len(ids))
                )
                chosen[c.id] = {ids[int(p)] for p in picks}
            elif rng.random() < 0.9:
                chosen[c.id] = {ids[int(rng.integers(0, len(ids)))]}
        return chosen

    organizations = [f"Organization {k}" for k in range(300)]
    mentees = [member(False) for _ in range(n_mentees)]
    mentors = [member(True) for _ in range(n_mentors)]
    mentee_orgs = [organizations[int(k)] for k in rng.integers(0, 300, n_mentees)]
    mentor_orgs = [organizations[int(k)] for k in rng.integers(0, 300, n_mentors)]
    places = np.where(rng.random(n_mentors) < 0.2, 1, rng.integers(2, 4, n_mentors))
    shortlists = {}
    for i in range(n_mentees):
        if rng.random() < 0.5:
            for j in rng.choice(n_mentors, size=min(5, n_mentors), replace=False):
                shortlists[(i, int(j))] = 10
    return categories, options, mentees, mentee_orgs, mentors, mentor_orgs, places, shortlists


def one_size(n_mentees, n_mentors, hungarian_up_to, seed):
    """In this process: generate, build, solve; print one JSON line."""
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mentormatch.settings")
    import django

    django.setup()
    import numpy as np

    from cohorts import scoring, solver

    categories, options, mentees, mentee_orgs, mentors, mentor_orgs, places, shortlists = generate(
        n_mentees, n_mentors, seed
    )
    rules = scoring.HardRules(must_match=True, other_organization=True, mentor_ahead=True)
    started = time.perf_counter()
    mentee_side, mentor_side = scoring.encode(
        mentees, mentee_orgs, mentors, mentor_orgs, categories, options
    )
    scores = scoring.score_matrix(mentee_side, mentor_side, categories, rules)
    built = time.perf_counter()
    bonus = {
        pair: value for pair, value in shortlists.items() if scores[pair] != scoring.NOT_ALLOWED
    }
    result = solver.solve(solver.Problem(scores, places, bonus))
    solved = time.perf_counter()
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    allowed_share = float((scores != scoring.NOT_ALLOWED).mean())
    started_greedy = time.perf_counter()
    greedy = solver.greedy(solver.Problem(scores, places, bonus))
    greedy_seconds = time.perf_counter() - started_greedy
    hungarian = None
    if n_mentees <= hungarian_up_to:
        started_h = time.perf_counter()
        h = solver.hungarian_in_rounds(solver.Problem(scores, places, bonus))
        hungarian = dict(
            matched=h.matched, objective=h.objective, seconds=time.perf_counter() - started_h
        )
    print(
        json.dumps(
            dict(
                mentees=n_mentees,
                mentors=n_mentors,
                places=int(np.asarray(places).sum()),
                allowed=allowed_share,
                build=built - started,
                solve=solved - built,
                peak_mb=peak_mb,
                matched=result.matched,
                total=result.total_score,
                objective=result.objective,
                mean=result.total_score / max(1, result.matched),
                lowest=min((int(scores[p]) for p in result.pairs), default=0),
                optimal=result.optimal,
                gap=result.gap_percent,
                rounds=result.rounds,
                candidates=result.candidates,
                greedy=dict(
                    matched=greedy.matched, objective=greedy.objective, seconds=greedy_seconds
                ),
                hungarian=hungarian,
            )
        )
    )


def gap(best, other):
    if other["matched"] < best["matched"]:
        return f"{best['matched'] - other['matched']:,} fewer matched"
    return f"{100 * (best['objective'] - other['objective']) / best['objective']:.1f} % below"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="500x250,2000x1000,10000x5000,20000x10000")
    parser.add_argument("--hungarian-up-to", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=16)
    parser.add_argument("--one", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        n, m = (int(x) for x in args.one.split("x"))
        one_size(n, m, args.hungarian_up_to, args.seed)
        return
    rows = []
    for size in args.sizes.split(","):
        out = subprocess.run(
            [
                sys.executable,
                __file__,
                "--one",
                size,
                "--hungarian-up-to",
                str(args.hungarian_up_to),
                "--seed",
                str(args.seed),
            ],  # fmt: skip
            capture_output=True,
            text=True,
            check=True,
            cwd=ROOT,
        )
        rows.append(json.loads(out.stdout.strip().splitlines()[-1]))
        print(f"  {size}: done", file=sys.stderr)
    print()
    print(
        f"Cohort matching, {platform.node() or 'this machine'} ({os.cpu_count()} cores), load {os.getloadavg()[0]:.1f}"
    )
    print(
        "| mentees × mentors (places) | allowed pairs | score building s | solve s | total s | peak RSS MB "
        "| matched | mean score (lowest) | certificate | greedy: matched, gap | Hungarian in rounds: matched, gap (s) |"
    )
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- | --- | --- |")
    for r in rows:
        h = r["hungarian"]
        hungarian = (
            f"{h['matched']:,}, {gap(r, h)} ({h['seconds']:.1f} s)" if h else "not run (size)"
        )
        certificate = "optimal" if r["optimal"] else f"within {r['gap']} %"
        print(
            f"| {r['mentees']:,} × {r['mentors']:,} ({r['places']:,}) | {100 * r['allowed']:.0f} % "
            f"| {r['build']:.2f} | {r['solve']:.2f} | {r['build'] + r['solve']:.2f} | {r['peak_mb']:.0f} "
            f"| {r['matched']:,} | {r['mean']:.1f} ({r['lowest']}) | {certificate}, {r['rounds']} run(s), "
            f"{r['candidates']:,} candidate pairs | {r['greedy']['matched']:,}, {gap(r, r['greedy'])} "
            f"| {hungarian} |"
        )


if __name__ == "__main__":
    main()
