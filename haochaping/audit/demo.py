"""Demo step: seal the audit trail at the end of ``seed-demo`` (so the demo starts verified)."""

from __future__ import annotations

from haochaping.audit.sealer import audit_seal
from haochaping.demo.context import DemoContext


def seal_audit_trail(ctx: DemoContext) -> None:
    result = audit_seal()
    ctx.log(f"audit trail: {result.rows} rows and {result.ratings} ratings sealed")
