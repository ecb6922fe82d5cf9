from django_tasks import task

from mentoring.reminders import run_follow_up


@task()
def follow_up() -> dict[str, int]:
    """The scheduled rules, run by the background worker (enqueued by `manage.py run_scheduler`)."""
    return run_follow_up()


@task()
def build_search_index() -> dict[str, str]:
    """A new search index snapshot for each role (mentoring/search_snapshot.py), which the web
    processes switch to at their next look: it also drops what timestamps do not show (accounts
    switched off, deleted members). Enqueued every SEARCH_INDEX_TTL seconds."""
    from mentoring import search_snapshot
    from mentoring.models import Role

    return {role: search_snapshot.build(role) for role in (Role.MENTOR, Role.MENTEE)}
