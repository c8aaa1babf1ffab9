"""Rating vocabularies: one internal level enum, channels, stages; wire codes mapped at the edge.

Two standards number the five levels in opposite directions (DOMAIN.md §3):
- the 好差评 interface (``satisfaction``): 1 = 非常不满意 … 5 = 非常满意;
- GB/T 39046-2020 appendix A.8: 1 = 非常满意 … 5 = 非常不满意.
Inside the product a level is always :class:`Level`; only the functions at the bottom of this
module convert, and only API/import/export code calls them.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Level(models.TextChoices):
    VERY_SATISFIED = "very_satisfied", _("Very satisfied")
    SATISFIED = "satisfied", _("Satisfied")
    BASIC = "basic", _("Basically satisfied")
    DISSATISFIED = "dissatisfied", _("Dissatisfied")
    VERY_DISSATISFIED = "very_dissatisfied", _("Very dissatisfied")

    @classmethod
    def bad_levels(cls) -> frozenset[str]:
        """The two levels that make a bad review (差评)."""
        return frozenset({cls.DISSATISFIED.value, cls.VERY_DISSATISFIED.value})


# Order from best to worst; index + 1 is the GB/T 39046 code, 5 - index the 好差评 code.
_LEVELS_BEST_FIRST = [
    Level.VERY_SATISFIED,
    Level.SATISFIED,
    Level.BASIC,
    Level.DISSATISFIED,
    Level.VERY_DISSATISFIED,
]


def level_from_hcp(code: int) -> Level:
    """好差评 interface ``satisfaction`` (1 = 非常不满意 … 5 = 非常满意) -> Level."""
    if not isinstance(code, int) or isinstance(code, bool) or not 1 <= code <= 5:
        raise ValueError(code)
    return _LEVELS_BEST_FIRST[5 - code]


def level_to_hcp(level: Level | str) -> int:
    return 5 - _LEVELS_BEST_FIRST.index(Level(level))


def level_from_gbt(code: int) -> Level:
    """GB/T 39046-2020 A.8 (1 = 非常满意 … 5 = 非常不满意) -> Level."""
    if not isinstance(code, int) or isinstance(code, bool) or not 1 <= code <= 5:
        raise ValueError(code)
    return _LEVELS_BEST_FIRST[code - 1]


def level_to_gbt(level: Level | str) -> int:
    return _LEVELS_BEST_FIRST.index(Level(level)) + 1


def is_bad(level: Level | str) -> bool:
    return str(level) in Level.bad_levels()


class Channel(models.TextChoices):
    """How the rating arrived (``pf``), GB/T 39046 order (DOMAIN.md §4)."""

    PC = "1", _("PC web portal")
    MOBILE = "2", _("Mobile app / mini-program")
    QR_CODE = "3", _("QR code on the case receipt")
    EVALUATOR = "4", _("Hall tablet evaluator")
    KIOSK = "5", _("Other hall terminal (self-service kiosk)")
    PHONE = "6", _("Phone (12345 hotline, callback)")
    SMS = "7", _("SMS")


class ChannelGroup(models.TextChoices):
    """Which indicator set the evaluator is shown."""

    ONLINE = "online", _("Online channels")
    ONSITE = "onsite", _("On-site channels")


ONLINE_CHANNELS = frozenset({Channel.PC.value, Channel.MOBILE.value, Channel.SMS.value})


def channel_group(channel: Channel | str) -> ChannelGroup:
    return ChannelGroup.ONLINE if str(channel) in ONLINE_CHANNELS else ChannelGroup.ONSITE


class Stage(models.TextChoices):
    ACCEPTANCE = "acceptance", _("At acceptance")
    COMPLETION = "completion", _("At completion")


class AssessNumber(models.IntegerChoices):
    FIRST = 1, _("First rating")
    FOLLOW_UP = 2, _("Follow-up rating")


class Validity(models.TextChoices):
    VALID = "valid", _("Valid")
    EXCLUDED = "excluded", _("Excluded")


class EvaluatorType(models.TextChoices):
    """``userProp``: who rated."""

    PERSON = "1", _("Natural person")
    LEGAL_PERSON = "2", _("Legal person")
    OTHER = "9", _("Other organisation")


class Origin(models.TextChoices):
    """Who produced the rating, for counting: only ``citizen`` is a 主动评价.

    Derived from the rating: a rating without a case is a 综合点评 (society's comment about a
    unit, hall or item, coverage app) and is counted apart from case ratings (``comment``);
    otherwise from its flags (system default > paper form > staff-entered > citizen).
    """

    CITIZEN = "citizen", _("Citizen")
    STAFF_ENTERED = "staff", _("Entered by staff")
    PAPER = "paper", _("Paper form keyed in")
    SYSTEM_DEFAULT = "default", _("System default")
    COMMENT = "comment", _("Society's comment (no case)")

    @classmethod
    def case_values(cls) -> list[str]:
        """The origins of case ratings: every origin but ``comment``."""
        return [v for v in cls.values if v != cls.COMMENT]


# The one derivation of a rating's origin. Every reader (``Rating.origin``, the rollup key, the
# results pages, integrity pages, outbox records) calls :func:`origin_of`; SQL that needs it
# (raw inserts, annotations) uses :func:`origin_sql`, built from the same table. Precedence: no
# case > system default > paper form > staff-entered > citizen.
_ENTRY_FLAGS = (
    ("is_system_default", "SYSTEM_DEFAULT"),
    ("is_paper", "PAPER"),
    ("is_staff_entered", "STAFF_ENTERED"),
)


def entry_of(*, is_system_default: bool, is_paper: bool, is_staff_entered: bool) -> Origin:
    """How the rating was entered, whatever it is counted as (the wire's ``dataSource``).

    Never ``comment``: for counting and display use :func:`origin_of`.
    """
    flags = {
        "is_system_default": is_system_default,
        "is_paper": is_paper,
        "is_staff_entered": is_staff_entered,
    }
    for flag, member in _ENTRY_FLAGS:
        if flags[flag]:
            return Origin[member]
    return Origin.CITIZEN


def origin_of(
    *, is_system_default: bool, is_paper: bool, is_staff_entered: bool, has_case: bool
) -> Origin:
    """Who produced the rating, for counting: ``comment`` without a case, else :func:`entry_of`."""
    if not has_case:
        return Origin.COMMENT
    return entry_of(
        is_system_default=is_system_default, is_paper=is_paper, is_staff_entered=is_staff_entered
    )


def origin_sql(alias: str = "") -> str:
    """:func:`origin_of` as a SQL ``CASE`` over a ratings row (``alias.`` prefixes the columns)."""
    p = f"{alias}." if alias else ""
    whens = " ".join(
        f"WHEN {p}{flag} THEN '{Origin[member].value}'" for flag, member in _ENTRY_FLAGS
    )
    return (
        f"CASE WHEN {p}case_id IS NULL THEN '{Origin.COMMENT.value}' {whens}"
        f" ELSE '{Origin.CITIZEN.value}' END"
    )
