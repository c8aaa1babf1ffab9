"""Demo step: the shipped official working-day calendar (national 2023-2026, Lhasa Losar)."""

from __future__ import annotations

from haochaping.demo.context import DemoContext


def seed_calendar(ctx: DemoContext) -> None:
    from haochaping.workdays.enums import ChangeChannel
    from haochaping.workdays.services import calendar_load_shipped

    results = calendar_load_shipped(via=ChangeChannel.SHIPPED)
    created = sum(r.created for r in results)
    unchanged = sum(r.unchanged for r in results)
    ctx.log(
        f"working-day calendar: {len(results)} shipped files, {created} entries added, {unchanged} already there"
    )
