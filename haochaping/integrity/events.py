"""Integrity decisions go on the rating's own timeline (ratings.RatingEvent)."""

from haochaping.ratings.events import rating_event_record

FLAGGED = "integrity.flagged"
CONFIRMED = "integrity.confirmed"
CLEARED = "integrity.cleared"

__all__ = ["CLEARED", "CONFIRMED", "FLAGGED", "rating_event_record"]
