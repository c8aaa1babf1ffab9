from django.conf import settings


def site(request):
    return {"SITE_NAME": settings.HAOCHAPING["SITE_NAME"]}


def nav(request):
    from haochaping.core.navigation import menu_for

    user = getattr(request, "user", None)
    entries = menu_for(user) if user is not None else []
    path = request.path
    for entry in entries:
        entry["current"] = path.startswith(entry["url"])
    return {"NAV": entries}
