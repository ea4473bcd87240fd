"""`manage.py audit_verify`: recompute the audit hash chain and name the first broken link."""

from django.core.management.base import BaseCommand, CommandError

from dangjian.audit.models import AuditEvent
from dangjian.audit.services import verify_chain


class Command(BaseCommand):
    help = "Verify the audit log's hash chain; exits non-zero naming the first broken link."

    def handle(self, *args, **options):
        broken = verify_chain()
        if broken is not None:
            raise CommandError(f"BROKEN at #{broken.seq}: {broken.reason}")
        count = AuditEvent.objects.count()
        self.stdout.write(self.style.SUCCESS(f"OK: {count} events, chain intact"))
