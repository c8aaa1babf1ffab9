"""Helpers every app's services share."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models

from haochaping.core.exceptions import InvalidInput


def validate_or_raise(instance: models.Model, *, exclude: list[str] | None = None) -> None:
    """Run full_clean() and turn a ValidationError into InvalidInput with per-field errors."""
    try:
        instance.full_clean(exclude=exclude)
    except ValidationError as exc:
        raise InvalidInput.from_validation_error(exc) from exc
