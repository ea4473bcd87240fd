"""The daily member-development run: refresh every pipeline's deadlines, then remind."""

from celery import shared_task


@shared_task(acks_late=True)
def development_daily() -> dict:
    """Re-evaluate active pipelines as of today and send the reminders due (each only once)."""
    from dangjian.development.services import pipelines_evaluate_all, reminders_send

    return {"evaluated": pipelines_evaluate_all(), "reminded": reminders_send()}
