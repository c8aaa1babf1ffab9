"""The ``haochaping`` console script: every management command, with hyphenated names.

``haochaping seed-demo`` runs the ``seed_demo`` management command, ``haochaping serve`` runs
``serve`` and so on. ``haochaping --help`` lists the product's own commands first; Django's
built-in ones (``migrate``, ``createsuperuser`` ...) are all available too.
"""

from __future__ import annotations

import os
import sys


def _product_commands() -> dict[str, str]:
    """Map command name -> first help line for commands defined in haochaping's own apps."""
    from django.core.management import get_commands, load_command_class

    commands = {}
    for name, app in sorted(get_commands().items()):
        if not app.startswith("haochaping"):
            continue
        try:
            help_text = load_command_class(app, name).help or ""
        except Exception as exc:  # pragma: no cover - a broken command must not hide the others
            help_text = f"(cannot load: {exc})"
        commands[name.replace("_", "-")] = help_text.strip().splitlines()[0] if help_text else ""
    return commands


def _print_help() -> None:
    commands = _product_commands()
    commands.setdefault("migrate", "Create or update the database tables.")
    width = max(len(n) for n in commands) + 2
    print("usage: haochaping <command> [options]\n")
    print("haochaping: the government-service good/bad review (好差评) system.\n")
    print("Commands:")
    for name in sorted(commands):
        print(f"  {name.ljust(width)}{commands[name]}")
    print("\n'haochaping <command> --help' explains one command;")
    print("'haochaping help --all' also lists Django's built-in commands (all available).")


def main(argv: list[str] | None = None) -> None:
    argv = list(sys.argv if argv is None else argv)
    # django.setup() below reads the settings before Django's own parser sees --settings, so
    # honour it here (`haochaping check --deploy --settings=haochaping.settings_production`).
    for i, arg in enumerate(argv):
        if arg.startswith("--settings="):
            os.environ["DJANGO_SETTINGS_MODULE"] = arg.split("=", 1)[1]
        elif arg == "--settings" and i + 1 < len(argv):
            os.environ["DJANGO_SETTINGS_MODULE"] = argv[i + 1]
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "haochaping.settings")
    import django

    django.setup()
    if len(argv) < 2 or (argv[1] in {"-h", "--help", "help"} and len(argv) == 2):
        _print_help()
        return
    if argv[1] == "help" and argv[2:3] == ["--all"]:
        argv = [argv[0], "help"]
    elif argv[1] == "help" and len(argv) > 2:
        argv = [argv[0], argv[2].replace("-", "_"), "--help"]
    elif not argv[1].startswith("-"):
        argv[1] = argv[1].replace("-", "_")
    from django.core.management import execute_from_command_line

    execute_from_command_line(argv)


if __name__ == "__main__":  # pragma: no cover
    main()
