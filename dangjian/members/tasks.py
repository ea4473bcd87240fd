"""Background work of the members app (eager in-process without a broker)."""

from celery import shared_task


@shared_task(name="members.import_people", acks_late=True)
def import_people(job_id: int) -> str:
    """Run one member import job (see import_services.import_job_run)."""
    from dangjian.members.import_services import import_job_run

    job = import_job_run(job_id)
    return job.status if job is not None else "skipped"
