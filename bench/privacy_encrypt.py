"""What encrypting citizens' ID numbers and mobiles at rest costs a rating insert (issue 14).

    .venv/bin/python bench/privacy_encrypt.py [--db sqlite|postgresql] [--ratings 2000] [--rounds 5]

In-process, on a scratch database (``haochaping_bench_privacy``, dropped at the end). Per round,
interleaved so machine load hits both alike:

- ``insert``: N single-row ORM inserts of a rating carrying an 18-character ID number and an
  11-digit mobile (one transaction, rolled back), with the field encrypting (``encrypted``) and
  with ``crypto.encrypt`` replaced by the identity function (``plaintext``, the baseline). Prints
  µs per insert for both, the difference (the encryption's cost) and the ratio.
- ``micro``: ``crypto.encrypt`` of the two values alone (the insert's share), and
  ``crypto.decrypt`` of both (a read), µs per rating.

One JSON line per measurement, then a summary line (medians) with the load average.
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from scratchdb import emit, env_fields, scratch_database

CERT = "540102199005170011"
MOBILE = "13912345678"


class _Rollback(Exception):
    pass


def insert_round(n: int, *, encrypted: bool, unit, version, tag: str) -> float:
    from django.db import transaction

    from haochaping.core import crypto
    from haochaping.ratings.models import Rating

    real = crypto.encrypt
    if not encrypted:
        crypto.encrypt = lambda value, **kw: value
    at = dt.datetime(2026, 11, 5, 3, tzinfo=dt.UTC)
    try:
        with transaction.atomic():
            start = time.perf_counter()
            for i in range(n):
                Rating.objects.create(
                    unit=unit,
                    level="satisfied",
                    channel="4",
                    content_version=version,
                    assessed_at=at,
                    received_at=at,
                    receipt=f"{tag}{i:08d}"[:12],
                    evaluator_name="卓玛",
                    evaluator_cert_no=CERT,
                    evaluator_mobile=MOBILE,
                )
            elapsed = time.perf_counter() - start
            raise _Rollback
    except _Rollback:
        pass
    finally:
        crypto.encrypt = real
    return elapsed / n * 1e6


def micro(n: int) -> tuple[float, float]:
    """µs per rating to encrypt both values (the insert path) and to decrypt both (a read)."""
    from haochaping.core import crypto

    start = time.perf_counter()
    for _ in range(n):
        stored = crypto.encrypt(CERT), crypto.encrypt(MOBILE)
    middle = time.perf_counter()
    for _ in range(n):
        crypto.decrypt(stored[0]), crypto.decrypt(stored[1])
    end = time.perf_counter()
    return (middle - start) / n * 1e6, (end - middle) / n * 1e6


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--ratings", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    with scratch_database(args.db, name="haochaping_bench_privacy"):
        from haochaping.ratings.models import ContentVersion
        from haochaping.testing.builders import build_org_tree

        tree = build_org_tree()
        version = ContentVersion.objects.filter(is_current=True).first()
        insert_round(50, encrypted=True, unit=tree.police, version=version, tag="W")  # warm-up
        plain, enc, micros = [], [], []
        for r in range(args.rounds):
            for encrypted in (False, True) if r % 2 == 0 else (True, False):
                us = insert_round(
                    args.ratings,
                    encrypted=encrypted,
                    unit=tree.police,
                    version=version,
                    tag=f"{'E' if encrypted else 'P'}{r}",
                )
                (enc if encrypted else plain).append(us)
                emit(
                    bench="privacy_encrypt",
                    kind="insert",
                    db=args.db,
                    round=r,
                    mode="encrypted" if encrypted else "plaintext",
                    us_per_insert=round(us, 1),
                    **env_fields(),
                )
            micros.append(micro(args.ratings))
            emit(
                bench="privacy_encrypt",
                kind="micro",
                db=args.db,
                round=r,
                encrypt_us_per_rating=round(micros[-1][0], 1),
                decrypt_us_per_rating=round(micros[-1][1], 1),
                **env_fields(),
            )
        p, e = statistics.median(plain), statistics.median(enc)
        emit(
            bench="privacy_encrypt",
            kind="summary",
            db=args.db,
            ratings=args.ratings,
            rounds=args.rounds,
            plaintext_us=round(p, 1),
            encrypted_us=round(e, 1),
            encryption_cost_us=round(e - p, 1),
            ratio=round(e / p, 3),
            encrypt_only_us=round(statistics.median(m[0] for m in micros), 1),
            decrypt_only_us=round(statistics.median(m[1] for m in micros), 1),
            **env_fields(),
        )


if __name__ == "__main__":
    main()
