"""The daily organizational-life run: refresh the compliance cells, then remind."""

from datetime import date

from celery import shared_task


@shared_task(acks_late=True)
def orglife_daily(today: str | None = None) -> dict:
    """Recompute every branch's compliance for this year (in January the last year too, whose
    December has just closed) and send each new warning once. `today`: an ISO date, for
    re-running a missed day; the local date by default."""
    from django.utils import timezone

    from dangjian.orglife.compliance import cells_refresh, reminders_send

    day = date.fromisoformat(today) if today else timezone.localdate()
    refreshed = cells_refresh(year=day.year, today=day)
    if day.month == 1:
        cells_refresh(year=day.year - 1, today=day)
    return {"refreshed": refreshed, "reminded": reminders_send(today=day)}
