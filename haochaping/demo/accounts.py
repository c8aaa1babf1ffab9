"""Demo users for every role. Passwords are printed by the command: demo only."""

from __future__ import annotations

from haochaping.accounts.enums import Role
from haochaping.accounts.services import totp_device_create, user_create
from haochaping.accounts.twofactor import DEMO_TOTP_KEY_HEX, requires_second_factor
from haochaping.demo.context import DemoContext


def seed_users(ctx: DemoContext) -> None:
    lhasa = ctx.regions["540100"]
    police_window_staff = next(s for s in ctx.staff if s.unit_id == ctx.units["city:gongan"].pk)
    users = [
        (
            "admin",
            Role.ADMIN,
            "系统管理员",
            {"scope_region": lhasa},
            True,
            True,
            "system administrator",
        ),
        (
            "liaison",
            Role.LIAISON,
            "市局专职联络人 央金",
            {"scope_region": lhasa},
            False,
            False,
            "city bureau liaison: all bad reviews, callbacks",
        ),
        (
            "handler-chengguan",
            Role.HANDLER,
            "城关区账号经办人 次仁",
            {"scope_region": ctx.regions["540102"]},
            False,
            False,
            "Chengguan district's bad-review handler",
        ),
        (
            "handler-gongan",
            Role.HANDLER,
            "市公安局账号经办人 格桑",
            {"scope_unit": ctx.units["city:gongan"]},
            False,
            False,
            "city police bureau's bad-review handler",
        ),
        (
            "handler-damxung",
            Role.HANDLER,
            "当雄县账号经办人 拉巴",
            {"scope_region": ctx.regions["540122"]},
            False,
            False,
            "Damxung county's bad-review handler",
        ),
        (
            "window-gongan",
            Role.WINDOW_STAFF,
            police_window_staff.name,
            {"scope_unit": ctx.units["city:gongan"], "staff": police_window_staff},
            False,
            False,
            "window staff at the city hall (police window)",
        ),
        (
            "reviewer",
            Role.REVIEWER,
            "市局复核人 旦增",
            {"scope_region": lhasa},
            False,
            False,
            "appeal reviewer",
        ),
        (
            "supervisor",
            Role.SUPERVISOR,
            "市政府督查室 德吉",
            {"scope_region": lhasa},
            False,
            False,
            "supervision office",
        ),
        (
            "leader",
            Role.LEADER,
            "分管领导",
            {"scope_region": lhasa},
            False,
            False,
            "read-only leader",
        ),
    ]
    for username, role, display, scope, is_staff, is_superuser, what in users:
        password = f"Lhasa-{username}-2026"
        user = user_create(
            username=username,
            password=password,
            role=role,
            display_name=display,
            is_staff=is_staff,
            is_superuser=is_superuser,
            check_password=False,
            **scope,
        )
        if requires_second_factor(user):
            # Published demo secret (README): the code comes from `haochaping otp-code USER`.
            totp_device_create(user=user, key_hex=DEMO_TOTP_KEY_HEX)
            what += f"; code: haochaping otp-code {username}"
        ctx.accounts.append((username, password, what))
    ctx.log(f"accounts: {len(users)} demo users")
