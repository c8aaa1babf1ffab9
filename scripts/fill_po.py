"""Fill msgstr entries of our gettext catalogs from a translation table (a Python dict file).

Usage: python scripts/fill_po.py TABLE.py LOCALE_DIR
TABLE.py defines ZH = {msgid: zh-hans} and BO = {msgid: Tibetan}. Entries already translated
are kept unless --force. For bo, a msgid without a Tibetan text falls back to the Chinese one
(Lhasa's staff read Chinese; English would help nobody), and is marked fuzzy-free.
"""

from __future__ import annotations

import runpy
import sys
from pathlib import Path

import polib


def main() -> None:
    table = runpy.run_path(sys.argv[1])
    locale_dir = Path(sys.argv[2])
    force = "--force" in sys.argv
    zh, bo = table.get("ZH", {}), table.get("BO", {})
    for lang, mapping, fallback in (("zh_Hans", zh, {}), ("bo", bo, zh)):
        path = locale_dir / lang / "LC_MESSAGES" / "django.po"
        po = polib.pofile(str(path))
        missing = []
        for entry in po:
            if entry.msgstr and not force and "fuzzy" not in entry.flags:
                continue
            text = mapping.get(entry.msgid) or fallback.get(entry.msgid)
            if text:
                entry.msgstr = text
                if "fuzzy" in entry.flags:
                    entry.flags.remove("fuzzy")
            else:
                missing.append(entry.msgid)
        po.save()
        print(f"{path}: {len(missing)} untranslated")
        for m in missing:
            print("   ", repr(m))


if __name__ == "__main__":
    main()
