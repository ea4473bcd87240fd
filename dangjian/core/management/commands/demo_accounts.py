"""`manage.py demo_accounts`: print the demo logins (role, username, password, organization)."""

from django.core.management.base import BaseCommand, CommandError
from django.utils import translation

from dangjian.accounts.models import Role, User
from dangjian.core import demo
from dangjian.orgs.models import Organization


class Command(BaseCommand):
    help = "List the demo accounts and their password; run seed_demo first."

    def handle(self, *args, **options):
        with translation.override("zh-hans"):
            self.report()

    def report(self) -> None:
        if demo.demo_root() is None:
            raise CommandError("No demo data yet: run `manage.py seed_demo` first.")
        roles = {role.code: role for role in Role.objects.all()}
        orgs = dict(
            Organization.objects.filter(
                code__in={code for spec in demo.DEMO_ACCOUNTS for _, code in spec.roles}
            ).values_list("code", "name")
        )
        existing = set(
            User.objects.filter(
                username__in=[spec.username for spec in demo.DEMO_ACCOUNTS]
            ).values_list("username", flat=True)
        )
        out = self.stdout.write
        out("")
        out(f"演示账号（密码均为 {demo.DEMO_PASSWORD}）  Demo accounts, password for all: "
            f"{demo.DEMO_PASSWORD}")  # fmt: skip
        out("-" * 78)
        needs_2fa = []
        for spec in demo.DEMO_ACCOUNTS:
            if spec.username not in existing:
                continue
            role = roles[spec.main_role]
            org = orgs.get(spec.roles[0][1], spec.roles[0][1])
            flag = " [2FA]" if role.requires_2fa else ""
            out(f"{spec.username:<18} {demo.DEMO_PASSWORD:<12} {role.label}  @ {org}{flag}")
            if role.requires_2fa:
                needs_2fa.append(spec.username)
        out("-" * 78)
        out("生成的党员账号 hb000001、hb000002…… 使用同一密码。"
            " Generated members hb000001, hb000002, … use the same password.")  # fmt: skip
        if needs_2fa:
            out(
                "[2FA] 账号登录需动态验证码 / need a one-time code after the password: "
                "`.venv/bin/python manage.py demo_totp <username>` prints the current one."
            )
        out("")
