"""Static assets work offline: vendored files match their manifest, nothing loads from the
network, every CSS url() resolves locally and collectstatic's manifest storage accepts them."""

import hashlib
import json
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command

BASE = Path(settings.BASE_DIR)
VENDOR = BASE / "static" / "vendor"
MANIFEST = VENDOR / "manifest.json"


def _manifest() -> list[dict]:
    return json.loads(MANIFEST.read_text(encoding="utf-8"))


def _listed() -> dict[str, str]:
    files: dict[str, str] = {}
    for package in _manifest():
        for rel, digest in package["files"].items():
            assert rel not in files, f"{rel} listed twice in manifest.json"
            files[rel] = digest
    return files


def test_manifest_describes_every_package():
    for package in _manifest():
        for key in ("name", "version", "licence", "source", "files"):
            assert package.get(key), f"{package.get('name')!r}: {key} missing in manifest.json"
        assert any(Path(rel).name.upper().startswith("LICENSE") for rel in package["files"]), (
            f"{package['name']}: its licence file is not vendored"
        )


@pytest.mark.parametrize("rel", sorted(_listed()))
def test_vendored_file_exists_and_matches_its_checksum(rel):
    path = VENDOR / rel
    assert path.is_file(), f"static/vendor/{rel} is listed in manifest.json but missing"
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    assert digest == _listed()[rel], (
        f"static/vendor/{rel} differs from manifest.json (sha256 {digest}); "
        "a vendored file changed: update the manifest and say why"
    )


def test_every_vendored_file_is_in_the_manifest():
    listed = set(_listed())
    present = {
        path.relative_to(VENDOR).as_posix()
        for path in VENDOR.rglob("*")
        if path.is_file() and path != MANIFEST
    }
    assert present - listed == set(), "vendored files missing from manifest.json"


# --- nothing from the network ------------------------------------------------------------------

# XML namespaces are identifiers, never fetched.
_NAMESPACES = re.compile(r"https?://www\.w3\.org/[0-9]{4}/[a-z]+", re.I)
_ABSOLUTE = re.compile(r"\bhttps?://", re.I)
_PROTOCOL_RELATIVE = re.compile(
    r"""(?:(?:src|href|action|poster|data)\s*=\s*["']?|url\(\s*["']?|@import\s+["'])//[^/\s"']""",
    re.I,
)
_JS_PROTOCOL_RELATIVE = re.compile(r"""["'`]//[a-z0-9-]+(?:\.[a-z0-9-]+)+""", re.I)


def _own_front_end_files() -> list[Path]:
    files = [*(BASE / "templates").rglob("*.html"), *(BASE / "templates").rglob("*.txt")]
    files += [*(BASE / "dangjian").glob("*/templates/**/*.html")]
    for folder in (BASE / "static").iterdir():
        if folder.is_dir() and folder.name != "vendor":
            files += [p for p in folder.rglob("*") if p.suffix in {".css", ".js", ".html", ".svg"}]
    return sorted(files)


def test_front_end_files_exist():
    names = {p.relative_to(BASE).as_posix() for p in _own_front_end_files()}
    assert {"templates/base.html", "static/css/dangjian.css", "static/js/dangjian.js"} <= names


@pytest.mark.parametrize(
    "path", _own_front_end_files(), ids=lambda p: p.relative_to(BASE).as_posix()
)
def test_no_external_urls(path):
    text = _NAMESPACES.sub("", path.read_text(encoding="utf-8"))
    problems = [m.group(0) for m in _ABSOLUTE.finditer(text)]
    problems += [m.group(0) for m in _PROTOCOL_RELATIVE.finditer(text)]
    if path.suffix == ".js":
        problems += [m.group(0) for m in _JS_PROTOCOL_RELATIVE.finditer(text)]
    assert not problems, (
        f"{path.relative_to(BASE)} refers to the network ({problems[:3]}): customers run on "
        "offline intranets — vendor the asset under static/vendor instead"
    )


def _css_files() -> list[Path]:
    return sorted((BASE / "static").rglob("*.css"))


@pytest.mark.parametrize("path", _css_files(), ids=lambda p: p.relative_to(BASE).as_posix())
def test_css_urls_resolve_to_local_files(path):
    text = path.read_text(encoding="utf-8")
    for match in re.finditer(r"""url\(\s*(['"]?)([^'")]+)\1\s*\)""", text):
        target = match.group(2).strip()
        if target.startswith(("data:", "#")):
            continue
        assert not re.match(r"^(?:[a-z]+:)?//", target, re.I), f"{path}: remote url({target})"
        local = (path.parent / target.split("?")[0].split("#")[0]).resolve()
        assert local.is_file(), f"{path.relative_to(BASE)}: url({target}) does not exist"


def test_own_css_loads_no_web_font():
    text = (BASE / "static" / "css" / "dangjian.css").read_text(encoding="utf-8")
    assert "@font-face" not in text
    assert "PingFang SC" in text and "Microsoft YaHei" in text and "Noto Sans CJK SC" in text


def test_collectstatic_with_manifest_storage(tmp_path, settings):
    """Production uses a manifest storage, which fails on any missing reference (source maps,
    fonts, images): prove the whole static tree post-processes cleanly."""
    settings.STATIC_ROOT = tmp_path
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"},
    }
    call_command("collectstatic", interactive=False, verbosity=0)
    manifest = json.loads((tmp_path / "staticfiles.json").read_text())
    for name in ("css/dangjian.css", "js/dangjian.js", "vendor/bootstrap/bootstrap.min.css"):
        assert name in manifest["paths"]
