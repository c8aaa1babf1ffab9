"""Time the province dashboards on a database kept by ``bench/province.py --keep`` (no
regeneration): the pages of province.py's ``dashboards()`` (server and DB p50/p95, queries).

    .venv/bin/python bench/province_dashboards.py --db prov_h_1000000 --requests 10
    .venv/bin/python bench/province_dashboards.py --db prov_h_1000000 --queries   # per query

``--queries`` prints one line per SQL statement of one request of each page (ms, first 160
characters), to see where the time goes.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from scratchdb import emit, env_fields


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--db", required=True)
    parser.add_argument("--host", default="postgres@127.0.0.1:5432")
    parser.add_argument("--requests", type=int, default=10)
    parser.add_argument("--queries", action="store_true")
    parser.add_argument("--label", default="")
    parser.add_argument(
        "--scope",
        default="",
        help="a region code: time the pages as a supervision-office user scoped to that region "
        "(default: the superuser of bench/dashboard.py)",
    )
    parser.add_argument(
        "--full", type=float, default=0, help="with --queries: whole SQL above N ms"
    )
    args = parser.parse_args()
    os.environ["DATABASE_URL"] = f"postgres://{args.host}/{args.db}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "haochaping.settings")
    os.environ.setdefault(
        "HAOCHAPING_DATA_DIR", str(Path(tempfile.gettempdir(), f"{args.db}-data"))
    )
    os.environ.setdefault("HAOCHAPING_LOG_LEVEL", "WARNING")
    os.environ.setdefault("HAOCHAPING_BENCH_ENDPOINTS", "1")
    import django

    django.setup()
    from province import dashboards

    if args.scope:
        import dashboard

        dashboard.bench_client = lambda: scoped_client(args.scope)
    if args.queries:
        per_query(args)
        return
    for page, row in dashboards(args.requests).items():
        emit(step="dashboard", db=args.db, label=args.label, page=page, **row, **env_fields())


def scoped_client(code: str):
    """A test client logged in as ``bench-supervisor-<code>`` (supervision office, scoped to the
    region ``code``; created if missing), as bench/dashboard.py's ``bench_client`` does."""
    from django.test import Client
    from django_otp import DEVICE_ID_SESSION_KEY

    from haochaping.accounts.enums import Role
    from haochaping.accounts.models import User
    from haochaping.accounts.services import totp_device_create, user_create
    from haochaping.accounts.twofactor import confirmed_device, requires_second_factor
    from haochaping.org.models import Region

    name = f"bench-supervisor-{code}"
    user = User.objects.filter(username=name).first() or user_create(
        username=name,
        password="Bench-pass-2026!",  # noqa: S106
        role=Role.SUPERVISOR,
        scope_region=Region.objects.get(code=code),
    )
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(user)
    if requires_second_factor(user):
        device = confirmed_device(user) or totp_device_create(user=user)
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()
    return client


def per_query(args: argparse.Namespace) -> None:
    import dashboard
    from django.db import connection

    from haochaping.core.clock import today
    from haochaping.results.periods import period_containing

    period = period_containing("month", today()).previous()
    pages = {
        "province_overview": f"/results/?grain=month&period={period.key}",
        "unit_ranking": f"/results/rankings/?kind=unit&grain=month&period={period.key}",
        "province_overview_year": f"/results/?grain=year&period="
        f"{period_containing('year', today()).key}",
    }
    client = dashboard.bench_client()
    for name, url in pages.items():
        client.get(url)
        lines: list[tuple[float, str]] = []

        def timer(execute, sql, params, many, context, lines=lines):
            t = time.perf_counter()
            try:
                return execute(sql, params, many, context)
            finally:
                lines.append(((time.perf_counter() - t) * 1000, sql))

        with connection.execute_wrapper(timer):
            t = time.perf_counter()
            client.get(url)
            total = (time.perf_counter() - t) * 1000
        print(f"== {name} {url} total {total:.1f} ms, db {sum(ms for ms, _ in lines):.1f} ms")
        for ms, sql in lines:
            text = " ".join(sql.split())
            print(f"  {ms:8.1f}  {text if args.full and ms >= args.full else text[:160]}")


if __name__ == "__main__":
    main()
