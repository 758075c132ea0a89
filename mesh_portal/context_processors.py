from django.conf import settings


def portal(request):
    return {"PORTAL_NAME": "Mesh Portal", "DEBUG": settings.DEBUG}
