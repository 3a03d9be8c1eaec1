from . import sections


def navigation(request):
    """What the navigation may offer this user (each app registers its own
    entries); the views check again. Worked out once per request: a page made
    of panels renders several templates with this same request."""
    nav = getattr(request, "_smf_nav", None)
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        # Nobody logged in (the login and lockout pages): no menu to offer,
        # and nothing to work out for every refused log-in of a flood.
        return {"nav": {}}
    if nav is None:
        nav = sections.nav_for(user)
        if request is not None:
            request._smf_nav = nav
    return {"nav": nav}
