from django.conf import settings


def site(request):
    return {"SITE_NAME": settings.HAOCHAPING["SITE_NAME"]}
