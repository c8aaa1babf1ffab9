"""Every zh-hans and bo catalog is complete: no empty and no fuzzy entry.

Two checks: the catalogs as committed (fast), and the catalogs as ``makemessages`` would
refresh them from today's source (slow: it runs makemessages on a copy of the package, so a
string that never reached a catalog, e.g. a new enum label, fails here too). Fill gaps with the
app's ``locale/translations.py`` and ``scripts/fill_po.py`` (see docs/architecture.md).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "haochaping"
LANGUAGES = ("zh_Hans", "bo")


def catalogs(package: Path) -> list[Path]:
    return sorted(
        p
        for lang in LANGUAGES
        for p in package.glob(f"**/locale/{lang}/LC_MESSAGES/django.po")
        if "tests" not in p.parts
    )


def gaps(path: Path) -> list[str]:
    """The msgids of ``path`` that are untranslated (any plural form empty) or fuzzy."""
    out = []
    for entry in polib.pofile(str(path)):
        if entry.obsolete:
            continue
        if "fuzzy" in entry.flags:
            out.append(f"fuzzy: {entry.msgid!r}")
        elif not entry.translated():
            out.append(f"untranslated: {entry.msgid!r}")
    return out


def report(package: Path) -> dict[str, list[str]]:
    found = {str(p.relative_to(package)): gaps(p) for p in catalogs(package)}
    return {k: v for k, v in found.items() if v}


def test_the_catalogs_cover_every_app_with_a_locale_dir():
    paths = catalogs(PACKAGE)
    assert PACKAGE / "locale/zh_Hans/LC_MESSAGES/django.po" in paths
    assert PACKAGE / "ratings/locale/bo/LC_MESSAGES/django.po" in paths
    assert len(paths) >= 2 * 17


def test_the_gap_finder_sees_empty_plural_and_fuzzy_entries(tmp_path):
    po = polib.POFile()
    po.metadata = {"Content-Type": "text/plain; charset=UTF-8"}
    po.append(polib.POEntry(msgid="Done", msgstr="完成"))
    po.append(polib.POEntry(msgid="Missing", msgstr=""))
    po.append(polib.POEntry(msgid="Guess", msgstr="猜测", flags=["fuzzy"]))
    po.append(polib.POEntry(msgid="%(n)s item", msgid_plural="%(n)s items", msgstr_plural={0: ""}))
    po.append(polib.POEntry(msgid="Old", msgstr="", obsolete=True))
    path = tmp_path / "django.po"
    po.save(str(path))
    assert gaps(path) == [
        "untranslated: 'Missing'",
        "fuzzy: 'Guess'",
        "untranslated: '%(n)s item'",
    ]


def test_committed_catalogs_have_no_empty_or_fuzzy_entries():
    assert report(PACKAGE) == {}


@pytest.mark.slow
def test_catalogs_refreshed_from_the_source_have_no_empty_or_fuzzy_entries(tmp_path):
    # A copy, so the tree's catalogs are never rewritten; its settings (BASE_DIR, LOCALE_PATHS)
    # point into the copy because the copy comes first on the path.
    copy = tmp_path / "src" / "haochaping"
    shutil.copytree(
        PACKAGE, copy, ignore=shutil.ignore_patterns("__pycache__", "tests", "*.mo", "static")
    )
    env = {
        **os.environ,
        "PYTHONPATH": str(copy.parent),
        "DJANGO_SETTINGS_MODULE": "haochaping.settings",
        "HAOCHAPING_DATA_DIR": str(tmp_path / "data"),
    }
    done = subprocess.run(
        [sys.executable, "-m", "django", "makemessages", "-v0", *(f"-l{lang}" for lang in LANGUAGES)],
        cwd=copy, env=env, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert report(copy) == {}
