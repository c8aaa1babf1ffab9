from django.utils.functional import SimpleLazyObject

from haochaping.notifications.selectors import unread_count


def inbox(request):
    """``inbox_unread_count`` for the header; counted only when a template uses it."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"inbox_unread_count": SimpleLazyObject(lambda: unread_count(user=user))}
