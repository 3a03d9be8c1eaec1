from . import sections


def navigation(request):
    """What the navigation may offer this user (each app registers its own
    entries); the views check again."""
    return {"nav": sections.nav_for(getattr(request, "user", None))}
