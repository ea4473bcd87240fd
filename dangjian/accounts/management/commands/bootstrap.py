"""First set-up of a new installation: the root committee and the three administrators.

    manage.py bootstrap --code HBNY --name 华北能源集团党委 \
        --system-admin sysadmin:张系统 --security-admin secadmin:李安全 \
        --audit-admin auditadmin:王审计

Everything goes through the services (policy-checked passwords, 三员分立, audit events). Each
administrator gets a random temporary password, printed once, and must change it and set up
two-factor authentication at first sign-in.
"""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from dangjian.accounts.forms import temporary_password
from dangjian.accounts.models import Role
from dangjian.accounts.services import role_assign, user_create
from dangjian.orgs.models import Organization, OrgKind
from dangjian.orgs.services import org_create

ADMIN_ROLES = (
    ("system_admin", "system-admin"),
    ("security_admin", "security-admin"),
    ("audit_admin", "audit-admin"),
)


def _account(value: str) -> tuple[str, str]:
    username, sep, name = value.partition(":")
    if not sep or not username.strip() or not name.strip():
        raise CommandError(f"expected username:姓名, got {value!r}")
    return username.strip(), name.strip()


class Command(BaseCommand):
    help = "Create the root committee and the system, security and audit administrators."

    def add_arguments(self, parser):
        parser.add_argument("--code", required=True, help="code of the root committee")
        parser.add_argument("--name", required=True, help="name of the root committee")
        for _role, option in ADMIN_ROLES:
            parser.add_argument(f"--{option}", required=True, metavar="USERNAME:NAME")

    def handle(self, *args, **options):
        if Organization.objects.filter(parent__isnull=True).exists():
            raise CommandError("A root organization already exists: this installation is set up.")
        accounts = [
            (role, _account(options[option.replace("-", "_")])) for role, option in ADMIN_ROLES
        ]
        if len({username.lower() for _role, (username, _name) in accounts}) != len(accounts):
            raise CommandError(
                "三员分立: the three administrators must be three different accounts."
            )
        printed = []
        try:
            with transaction.atomic():
                root = org_create(
                    actor=None,
                    parent=None,
                    code=options["code"],
                    name=options["name"],
                    kind=OrgKind.COMMITTEE,
                )
                for role_code, (username, name) in accounts:
                    password = temporary_password()
                    user = user_create(
                        actor=None,
                        username=username,
                        name=name,
                        password=password,
                        must_change_password=True,
                    )
                    role_assign(
                        actor=None, user=user, role=Role.objects.get(code=role_code), org=root
                    )
                    printed.append((role_code, username, password))
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from exc
        self.stdout.write(self.style.SUCCESS(f"Created root organization {root.code} {root.name}."))
        for role_code, username, password in printed:
            self.stdout.write(f"  {role_code:<15} {username:<20} temporary password: {password}")
        self.stdout.write("Each must change the password and set up two-factor at first sign-in.")
