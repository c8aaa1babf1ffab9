"""State shared by the demo-data steps."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass
class DemoContext:
    rng: random.Random
    until: dt.date  # last day of generated activity (inclusive)
    months: int  # how many months of activity before ``until``
    scale: float  # share of Lhasa's real volume (≈7,500 cases a working day) to generate
    log: Callable[[str], None] = print
    regions: dict[str, Any] = field(default_factory=dict)  # code -> Region
    units: dict[str, Any] = field(
        default_factory=dict
    )  # key -> Unit (e.g. "city:police", "540102:police")
    halls: dict[str, Any] = field(default_factory=dict)  # region code -> Hall
    windows: list[Any] = field(default_factory=list)
    staff: list[Any] = field(default_factory=list)
    items: list[Any] = field(default_factory=list)
    accounts: list[tuple[str, str, str]] = field(
        default_factory=list
    )  # (username, password, what for)
    cases: list[Any] = field(default_factory=list)  # ids of generated cases (ints)

    @property
    def since(self) -> dt.date:
        return self.until - dt.timedelta(days=round(self.months * 30.44))
