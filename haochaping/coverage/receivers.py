"""A valid first rating of a case, through any channel, closes the case's supplementary task.

The ratings app sends a signal only for bad reviews, so we listen to Rating saves (inside the
rating's transaction: a rolled-back rating leaves the task open)."""

from __future__ import annotations

from django.db.models.signals import post_save
from django.dispatch import receiver

from haochaping.ratings.models import Rating


@receiver(post_save, sender=Rating, dispatch_uid="coverage.close_task_on_rating")
def close_task_on_rating(sender, instance: Rating, created: bool, **kwargs) -> None:
    if kwargs.get("raw") or not created or instance.case_id is None:
        return
    from haochaping.coverage.services import task_close_on_rating

    task_close_on_rating(instance)
