from . import access


def roles(request):
    """What the navigation may offer this user; the views check again."""
    user = getattr(request, "user", None)
    return {
        "nav": {
            "cases": bool(access.roles_of(user) - {access.Role.OUTREACH_WORKER}),
            "outreach": access.can_see_outreach(user),
            "reports": access.can_read_reports(user),
            "imports": access.can_import_records(user),
            "reintegration": access.has_role(
                user,
                access.Role.REINTEGRATION_OFFICER,
                access.Role.DIRECTOR,
                access.Role.ADMINISTRATOR,
            ),
        }
    }
