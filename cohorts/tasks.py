"""A matching round's run, in the background worker (enqueued by cohorts.services.run_round).

Builds the pool, scores every pair (progress written to the round every few percent), solves,
runs greedy for the comparison line, and stores the pairs, the unmatched mentees and the totals
in one transaction: the round is then ready. On an error the round is failed with the message
(staff may run it again). Only the round's current run may write to it: a run staff started again
after it stalled finds, if it ever wakes up, that it is no longer the current one.
"""

import time

import numpy as np
from django.db import connection, transaction
from django.utils import timezone
from django_tasks import task

from cohorts import pool as pools
from cohorts import scoring, solver
from cohorts.models import MatchingRound, RoundPair, RoundStatus, RoundUnmatched, UnmatchedReason
from mentoring.matching import explain, match_score

PROGRESS_STEP = 0.03  # write the progress when it has moved on by 3 % of the rows


def _current(round_id, run):
    return MatchingRound.objects.filter(pk=round_id, run=run, status=RoundStatus.RUNNING)


class _Progress:
    """Writes the run's progress to the round, every few percent or at a new stage."""

    def __init__(self, round_id, run):
        self.round_id, self.run = round_id, run
        self.written = (-1, -1, "")

    def __call__(self, done, total, stage):
        last_done, last_total, last_stage = self.written
        step = max(1, int(total * PROGRESS_STEP))
        if stage == last_stage and total == last_total and done - last_done < step and done < total:
            return
        _current(self.round_id, self.run).update(
            progress_done=min(done, total),
            progress_total=total,
            stage=stage[:200],
            progress_at=timezone.now(),
        )
        self.written = (done, total, stage)


@task()
def run_round_task(round_id: int, run: int | None = None) -> dict | None:
    matching_round = MatchingRound.objects.filter(pk=round_id).first()
    if matching_round is None or matching_round.status != RoundStatus.RUNNING:
        return None
    run = matching_round.run if run is None else run
    if matching_round.run != run:
        return None  # staff ran the round again after this run stalled
    try:
        return _run(matching_round, run)
    except Exception as error:
        # The page must not poll a run that will never finish: it ends, saying why.
        _current(round_id, run).update(
            status=RoundStatus.FAILED,
            error=f"{type(error).__name__}: {error}"[:2000],
            stage="Failed",
            progress_at=timezone.now(),
        )
        raise


def _run(matching_round, run) -> dict:
    from cohorts.services import hard_rules  # services enqueue this task: imported when run

    started = time.monotonic()
    progress = _Progress(matching_round.pk, run)
    progress(0, 1, "Reading the pool")
    pool = pools.build_pool(matching_round)
    n, m = len(pool.mentee_ids), len(pool.mentor_ids)
    scores = np.full((n, m), scoring.NOT_ALLOWED, dtype=np.uint8)
    if n and m:
        mentees, mentors = scoring.encode(
            pool.mentee_choices,
            pool.mentee_orgs,
            pool.mentor_choices,
            pool.mentor_orgs,
            pool.categories,
            pool.options,
        )
        stage = f"Scoring {n:,} × {m:,} pairs"
        scores = scoring.score_matrix(
            mentees,
            mentors,
            pool.categories,
            hard_rules(matching_round),
            progress=lambda done, total: progress(done, total, stage),
        )
    progress(n, max(n, 1), "Finding the best matching")
    forbidden = set(pool.forbidden)
    fixed, fixed_per_mentor = [], {}
    for i, j in pool.fixed:
        # A fix the rules or places no longer allow (the parameters changed since) waits.
        taken = fixed_per_mentor.get(j, 0)
        if (
            scores[i, j] != scoring.NOT_ALLOWED
            and (i, j) not in forbidden
            and taken < pool.places[j]
        ):
            fixed.append((i, j))
            fixed_per_mentor[j] = taken + 1

    # One matrix for both: each marks the forbidden pairs NOT_ALLOWED in it, the same for both,
    # and neither changes anything else (a copy would be 200 MB at 20,000 × 10,000).
    def problem():
        return solver.Problem(
            scores=scores,
            places=np.asarray(pool.places, dtype=np.int32),
            bonus=pool.bonus,
            fixed=fixed,
            forbidden=sorted(forbidden),
        )

    if n and m:
        solution = solver.solve(problem(), progress=lambda stage: progress(n, n, stage))
        greedy = solver.greedy(problem())
    else:
        solution = solver.Solution(
            pairs=[],
            matched=0,
            total_score=0,
            objective=0,
            optimal=True,
            unmatched={i: solver.NO_ELIGIBLE_MENTOR for i in range(n)},
        )
        greedy = solution
    progress(n, max(n, 1), "Saving the result")
    return _store(matching_round, run, pool, scores, solution, greedy, fixed, started)


def insert_rows(model, rows) -> None:
    """bulk_create for a round's thousands of rows: on PostgreSQL by COPY (10,000 pairs in a tenth
    of bulk_create's 0.5 s), elsewhere by bulk_create. Every constraint holds the same either way:
    COPY checks them as INSERT does."""
    if connection.vendor != "postgresql" or not rows:
        model.objects.bulk_create(rows, batch_size=2000)
        return
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    table = connection.ops.quote_name(model._meta.db_table)
    with (
        connection.cursor() as cursor,
        cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy,
    ):
        for row in rows:
            copy.write_row(
                [f.get_db_prep_save(getattr(row, f.attname), connection) for f in fields]
            )


def _store(matching_round, run, pool, scores, solution, greedy, fixed, started) -> dict:
    fixed = set(fixed)
    pair_rows = []
    for i, j in solution.pairs:
        match = match_score(
            pool.mentee_choices[i],
            pool.mentor_choices[j],
            pool.categories,
            searcher_is_mentee=True,
        )
        pair_rows.append(
            RoundPair(
                round_id=matching_round.pk,
                mentee_id=pool.mentee_ids[i],
                mentor_id=pool.mentor_ids[j],
                score=int(scores[i, j]),
                bonus=pool.bonus.get((i, j), 0),
                why=explain(match, pool.labels)[:300],
                fixed=(i, j) in fixed,
            )
        )
    reasons = {code.value for code in UnmatchedReason}
    unmatched_rows = [
        RoundUnmatched(
            round_id=matching_round.pk,
            mentee_id=pool.mentee_ids[i],
            reason=reason if reason in reasons else UnmatchedReason.NO_ELIGIBLE_MENTOR,
        )
        for i, reason in sorted(solution.unmatched.items())
    ]
    pair_scores = [row.score for row in pair_rows]
    with transaction.atomic():
        current = _current(matching_round.pk, run).select_for_update().first()
        if current is None:
            return None  # staff ran it again meanwhile: the newer run writes the result
        current.pairs.all().delete()
        current.unmatched.all().delete()
        insert_rows(RoundPair, pair_rows)
        insert_rows(RoundUnmatched, unmatched_rows)
        current.status = RoundStatus.READY
        current.mentee_count = len(pool.mentee_ids)
        current.mentor_count = len(pool.mentor_ids)
        current.place_count = pool.place_count
        current.matched = len(pair_rows)
        current.total_score = sum(pair_scores)
        current.mean_score = sum(pair_scores) / len(pair_scores) if pair_scores else None
        current.lowest_score = min(pair_scores) if pair_scores else None
        current.optimal = bool(solution.optimal)
        current.gap_percent = float(solution.gap_percent)
        current.greedy_matched = int(greedy.matched)
        current.greedy_total = int(greedy.total_score)
        current.seconds = round(time.monotonic() - started, 2)
        current.finished_at = timezone.now()
        current.progress_done = current.progress_total
        current.stage = "Done"
        current.progress_at = current.finished_at
        current.save()
    return {"matched": current.matched, "mentees": current.mentee_count}
