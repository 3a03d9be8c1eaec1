"""The ground app: staff accounts, roles, teams, sign-in and the audit log.

It knows no domain: cases, centers and follow-ups are built on top of it and
declare their own sections (see `sections`).
"""
