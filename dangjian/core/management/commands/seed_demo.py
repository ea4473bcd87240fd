"""`manage.py seed_demo [--members N] [--seed S] [--orglife-months M]`: build the demo energy
group once."""

import time

from django.core.management.base import BaseCommand, CommandError

from dangjian.core import demo


class Command(BaseCommand):
    help = "Create the deterministic demo enterprise (idempotent: does nothing if it exists)."

    def add_arguments(self, parser):
        parser.add_argument("--members", type=int, default=1500, help="party members (≥ 20)")
        parser.add_argument("--seed", type=int, default=2026, help="random seed")
        parser.add_argument(
            "--orglife-months", type=int, default=12,
            help="months of organizational-life history before the current one (0: none)",
        )  # fmt: skip

    def handle(self, *args, members: int, seed: int, orglife_months: int, **options):
        if members < 20:
            raise CommandError("--members must be at least 20.")
        if orglife_months < 0:
            raise CommandError("--orglife-months must not be negative.")
        started = time.monotonic()
        result = demo.seed(members=members, seed=seed, orglife_months=orglife_months)
        if not result.created:
            self.stdout.write(
                f"Demo group “{demo.ROOT_NAME}” already exists ({demo.ROOT_CODE}); nothing to do."
            )
            return
        self.stdout.write(
            self.style.SUCCESS(
                f"Seeded “{demo.ROOT_NAME}”: {result.organizations} organizations, "
                f"{result.members} party members, {result.employees} employees, "
                f"{result.committee_members} committee members, "
                f"{result.role_assignments} role assignments, "
                f"{len(result.demo_accounts)} demo accounts, {result.people} member records ("
                + ", ".join(f"{stage} {count}" for stage, count in result.stages.items())
                + f"), {result.development.get('pipelines', 0)} development pipelines "
                f"({result.development.get('overdue', 0)} overdue), "
                f"{result.orglife.get('activities', 0)} organizational-life activities "
                f"({result.orglife.get('attendance', 0)} attendance rows)"
                f" in {time.monotonic() - started:.1f} s."
            )
        )
