"""The citizen rating page: time to first byte and bytes transferred, per language.

    .venv/bin/python bench/rating_page.py [--db sqlite|postgresql] [--requests 40]
                                          [--admin-url postgres://...] [--keep]

A scratch database (bench/scratchdb.py) is migrated, static files collected (compressed, as in
production), an org tree and a completed case made with the real services, and one single-use
rating link created for it. One gunicorn server (2 workers) serves it on loopback. Then, for
each language (zh-hans, bo, en, by Accept-Language), ``--requests`` times alternating:

- ``page``: ``GET /r/<token>`` on a fresh connection (a citizen's first visit): time to first
  byte (connect + request + until the status line and headers arrived) and time to last byte;
- ``baseline``: ``GET /api/v1/meta`` on a fresh connection to the same server (the smallest
  response the application makes): the same timings.

One ``rating_page`` line per language: p50/p95 TTFB of both, ``ratio`` = page p50 / baseline p50,
and ``transferred_bytes``: the page plus every stylesheet, script and image it references,
fetched with ``Accept-Encoding: gzip, br``, counted as sent on the wire (headers + body).
Goal (issue 6): under 100 KB.
"""

from __future__ import annotations

import http.client
import os
import re
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

from scratchdb import ROOT, bench_parser, emit, env_fields, scratch_from

LANGUAGES = ("zh-hans", "bo", "en")
ASSET = re.compile(r"""(?:href|src)=["'](/static/[^"']+)["']""")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def fetch(port: int, path: str, language: str) -> tuple[float, float, int, int, bytes]:
    """(ttfb_s, total_s, status, wire bytes, body) of one GET on a new connection."""
    t0 = time.perf_counter()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request("GET", path, headers={"Accept-Language": language, "Accept-Encoding": "gzip, br"})
    response = conn.getresponse()
    ttfb = time.perf_counter() - t0
    body = response.read()  # as sent: http.client does not decode content encodings
    total = time.perf_counter() - t0
    head = len(f"HTTP/1.1 {response.status} {response.reason}\r\n") + sum(
        len(k) + len(v) + 4 for k, v in response.getheaders()
    )
    conn.close()
    return ttfb, total, response.status, head + 2 + len(body), body


def p95(values: list[float]) -> float:
    return sorted(values)[max(0, round(0.95 * len(values)) - 1)]


def make_link() -> str:
    from haochaping.channels.services import rating_link_create
    from haochaping.ratings.tests.helpers import completed_case
    from haochaping.testing.builders import build_org_tree

    case = completed_case(build_org_tree())
    _, token = rating_link_create(case=case)
    return token


def main() -> None:
    parser = bench_parser(__doc__)
    parser.add_argument("--requests", type=int, default=40)
    args = parser.parse_args()

    with scratch_from(args, "haochaping_bench_page"):
        from django.core.management import call_command

        call_command("collectstatic", "--noinput", verbosity=0)
        token = make_link()
        port = free_port()
        server = subprocess.Popen(
            [
                str(Path(sys.executable).parent / "gunicorn"),
                "haochaping.wsgi:application",
                "--workers=2",
                f"--bind=127.0.0.1:{port}",
                "--log-level=warning",
            ],
            cwd=ROOT,
            env={**os.environ},
        )
        try:
            deadline = time.time() + 60
            while True:
                try:
                    fetch(port, "/api/v1/meta", "en")
                    break
                except OSError:
                    if time.time() > deadline:
                        raise
                    time.sleep(0.2)
            for language in LANGUAGES:
                page, base, page_total = [], [], []
                for _ in range(2):  # warm both workers
                    fetch(port, f"/r/{token}", language)
                for _ in range(args.requests):
                    ttfb, total, status, wire, body = fetch(port, f"/r/{token}", language)
                    assert status == 200, f"rating page answered {status}"
                    assert b'name="level"' in body, "not the rating form"
                    page.append(ttfb)
                    page_total.append(total)
                    base.append(fetch(port, "/api/v1/meta", language)[0])
                assets = sorted(set(ASSET.findall(body.decode("utf-8", "replace"))))
                asset_bytes = 0
                for asset in assets:
                    _, _, status, size, _ = fetch(port, asset, language)
                    assert status == 200, f"{asset} answered {status}"
                    asset_bytes += size
                emit(
                    scenario="rating_page",
                    db=args.db,
                    language=language,
                    requests=args.requests,
                    ttfb_p50_ms=round(statistics.median(page) * 1000, 1),
                    ttfb_p95_ms=round(p95(page) * 1000, 1),
                    last_byte_p50_ms=round(statistics.median(page_total) * 1000, 1),
                    baseline_ttfb_p50_ms=round(statistics.median(base) * 1000, 1),
                    baseline_ttfb_p95_ms=round(p95(base) * 1000, 1),
                    ratio=round(statistics.median(page) / statistics.median(base), 2),
                    page_bytes=wire,
                    assets=len(assets),
                    transferred_bytes=wire + asset_bytes,
                    goal_bytes=100_000,
                    met=wire + asset_bytes < 100_000,
                    **env_fields(),
                )
        finally:
            server.terminate()
            server.wait(timeout=30)


if __name__ == "__main__":
    main()
