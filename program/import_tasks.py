from django_tasks import task

from program import importing


@task()
def run_import_task(batch_id: int) -> dict[str, int] | None:
    """A queued member import, run by the background worker (enqueued by importing.queue_import).
    Claimed first, so a task run twice imports once."""
    batch = importing.start_import(batch_id)
    if batch is None:
        return None
    try:
        batch = importing.run_import(batch)
    except Exception as error:
        # The page must not poll a batch that will never finish: it ends, saying why.
        importing.finish_import(batch, error=error)
        raise
    importing.finish_import(batch)
    return {
        "created": batch.created,
        "updated": batch.updated,
        "unchanged": batch.unchanged,
        "failed": batch.failed,
    }
