"""The steps of `haochaping seed-demo`, in order. Each capability adds its own step here.

A step is a function ``step(ctx: DemoContext) -> None`` (see haochaping.demo.context). It must be
deterministic for a given ``ctx.rng`` seed and use the real services where volume allows.
"""

STEPS: list[str] = [
    "haochaping.demo.workdays.seed_calendar",
    "haochaping.demo.lhasa_org.seed_org",
    "haochaping.demo.lhasa_catalog.seed_catalog",
    "haochaping.demo.accounts.seed_users",
    "haochaping.demo.cases.seed_cases",
    "haochaping.demo.ratings.seed_ratings",
    "haochaping.demo.rectification.seed_rectifications",
    "haochaping.demo.notifications.seed_notification_preferences",
    "haochaping.demo.channels.seed_channels",
    "haochaping.demo.appeals.seed_appeals",
    "haochaping.demo.coverage.seed_coverage",
    "haochaping.audit.demo.seal_audit_trail",  # last: seals every row and rating written above
]
