"""Fixtures of the sign-in tests."""

import pytest

from smf.staff.roles import Role
from tests.conftest import PASSWORD
from tests.factories import staff_member


@pytest.fixture
def sokha(db, tom_dy):
    """A Tom Dy social worker, signing in with her password (PASSWORD)."""
    return staff_member(
        username="sokha", password=PASSWORD, roles=[Role.SOCIAL_WORKER], centers=[tom_dy]
    )
