"""`manage.py demo_totp <username>`: the current 6-digit TOTP code of a demo account."""

from django.core.management.base import BaseCommand, CommandError
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice


def current_code(device: TOTPDevice) -> str:
    """The code the device accepts right now (same maths as django-otp's verifier)."""
    code = totp(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return f"{code:0{device.digits}d}"


class Command(BaseCommand):
    help = "Print the current two-factor code for a demo account's confirmed TOTP device."

    def add_arguments(self, parser):
        parser.add_argument("username")

    def handle(self, *args, username: str, **options):
        device = (
            TOTPDevice.objects.filter(user__username=username, confirmed=True)
            .order_by("pk")
            .first()
        )
        if device is None:
            raise CommandError(f"{username} has no confirmed TOTP device.")
        self.stdout.write(current_code(device))
