"""Background work of the members app (eager in-process without a broker)."""

from celery import shared_task


@shared_task(name="members.import_people", acks_late=True)
def import_people(job_id: int) -> str:
    """Run one member import job (see import_services.import_job_run)."""
    from dangjian.members.import_services import import_job_run

    job = import_job_run(job_id)
    return job.status if job is not None else "skipped"


@shared_task(name="members.notify_campaign_started")
def notify_campaign_started(campaign_id: int) -> None:
    """Fan the campaign's notice out to its members (see campaign_services.campaign_notify)."""
    from dangjian.members.campaign_services import campaign_notify
    from dangjian.members.models import VerificationCampaign

    campaign = VerificationCampaign.objects.filter(pk=campaign_id).select_related("org").first()
    if campaign is not None:
        campaign_notify(campaign)
