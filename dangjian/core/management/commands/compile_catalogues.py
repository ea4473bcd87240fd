"""Compile every zh_Hans .po catalogue to .mo with polib, so running needs no GNU gettext."""

from pathlib import Path

import polib
from django.conf import settings
from django.core.management.base import BaseCommand


def catalogue_files() -> list[Path]:
    base = settings.BASE_DIR
    return sorted(
        [*base.glob("locale/zh_Hans/LC_MESSAGES/*.po"),
         *base.glob("dangjian/*/locale/zh_Hans/LC_MESSAGES/*.po")]
    )  # fmt: skip


class Command(BaseCommand):
    help = "Compile the zh_Hans translation catalogues (.po → .mo)."

    def handle(self, *args, **options):
        for po_path in catalogue_files():
            mo_path = po_path.with_suffix(".mo")
            if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
                continue
            polib.pofile(str(po_path)).save_as_mofile(str(mo_path))
            self.stdout.write(f"compiled {po_path.relative_to(settings.BASE_DIR)}")
