"""Translation catalogues are complete: Chinese first (ARCHITECTURE.md §7).

Every zh_Hans .po (root locale/ and each app's locale/) has no empty msgstr, no fuzzy entry and
keeps the msgid's placeholders; every literal {% translate "…" %} in a project template has a
translation somewhere in the project's catalogues."""

import re
from functools import cache
from pathlib import Path

import polib
import pytest
from django.conf import settings

BASE = Path(settings.BASE_DIR)


def _catalogues() -> list[Path]:
    return sorted(
        [
            *BASE.glob("locale/*/LC_MESSAGES/*.po"),
            *BASE.glob("dangjian/*/locale/*/LC_MESSAGES/*.po"),
        ]
    )


def _id(path: Path) -> str:
    return path.relative_to(BASE).as_posix()


def test_the_root_and_core_catalogues_exist():
    names = {_id(p) for p in _catalogues()}
    assert "locale/zh_Hans/LC_MESSAGES/django.po" in names
    assert "dangjian/core/locale/zh_Hans/LC_MESSAGES/django.po" in names


def _live(po) -> list:
    return [e for e in po if not e.obsolete]


@pytest.mark.parametrize("path", _catalogues(), ids=_id)
def test_catalogue_has_no_empty_or_fuzzy_entry(path):
    po = polib.pofile(str(path))
    empty = [
        e.msgid
        for e in _live(po)
        if (not any(e.msgstr_plural.values()) if e.msgid_plural else not e.msgstr.strip())
    ]
    fuzzy = [e.msgid for e in _live(po) if "fuzzy" in e.flags]
    assert not empty, f"{_id(path)}: {len(empty)} untranslated, e.g. {empty[:5]}"
    assert not fuzzy, f"{_id(path)}: {len(fuzzy)} fuzzy, e.g. {fuzzy[:5]}"


_PLACEHOLDER = re.compile(r"%\((\w+)\)[sdif]|\{(\w*)\}")


def _placeholders(text: str) -> set[str]:
    return {a or b for a, b in _PLACEHOLDER.findall(text)}


@pytest.mark.parametrize("path", _catalogues(), ids=_id)
def test_translations_keep_their_placeholders(path):
    po = polib.pofile(str(path))
    broken = []
    for e in _live(po):
        translations = list(e.msgstr_plural.values()) if e.msgid_plural else [e.msgstr]
        for msgstr in translations:
            if msgstr and _placeholders(msgstr) != _placeholders(e.msgid):
                broken.append((e.msgid, msgstr))
    assert not broken, f"{_id(path)}: placeholders differ: {broken[:3]}"


@cache
def _translated_msgids() -> frozenset[str]:
    ids = set()
    for path in _catalogues():
        for e in _live(polib.pofile(str(path))):
            if (e.msgstr or any(e.msgstr_plural.values())) and "fuzzy" not in e.flags:
                ids.add(e.msgid)
    return frozenset(ids)


_TRANSLATE_TAG = re.compile(r"""\{%\s*(?:trans|translate)\s+(["'])(.+?)\1(?:\s+[^%]*)?%\}""")


_COMMENTS = re.compile(r"\{%\s*comment\b.*?%\}.*?\{%\s*endcomment\s*%\}|\{#.*?#\}", re.S)


def _templates() -> list[Path]:
    return sorted(
        [*(BASE / "templates").rglob("*.html"), *BASE.glob("dangjian/*/templates/**/*.html")]
    )


@pytest.mark.parametrize("path", _templates(), ids=_id)
def test_template_strings_are_in_a_catalogue(path):
    text = _COMMENTS.sub("", path.read_text(encoding="utf-8"))
    missing = [m.group(2) for m in _TRANSLATE_TAG.finditer(text) if "context" not in m.group(0)]
    missing = [msgid for msgid in missing if msgid not in _translated_msgids()]
    assert not missing, (
        f"{_id(path)}: not translated (run makemessages and fill the msgstr): {missing[:5]}"
    )
