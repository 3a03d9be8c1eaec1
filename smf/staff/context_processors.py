from . import sections


def navigation(request):
    """What the navigation may offer this user (each app registers its own
    entries); the views check again. Worked out once per request: a page made
    of panels renders several templates with this same request."""
    nav = getattr(request, "_smf_nav", None)
    if nav is None:
        nav = sections.nav_for(getattr(request, "user", None))
        if request is not None:
            request._smf_nav = nav
    return {"nav": nav}
