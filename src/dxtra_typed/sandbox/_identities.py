"""Fixed identities of the sandbox's seeded world.

Shared by the store's seed data (who belongs to which data controller) and the auth service
(whose JWT carries which user id and roles), so both halves of the sandbox agree on who is who
without importing each other.
"""

from __future__ import annotations

import uuid

_NS = uuid.UUID("6f1c2d4e-8a3b-4c5d-9e7f-0a1b2c3d4e5f")


def seed_uuid(name: str) -> str:
    """A stable UUID for a seeded row, derived from a readable name."""
    return str(uuid.uuid5(_NS, name))


# The dashboard user the default PAT belongs to: member of two of the three controllers.
SANDBOX_USER_ID = seed_uuid("user:dana.admin")
SANDBOX_USER_EMAIL = "dana.admin@example.test"
SANDBOX_USER_ROLES = ("user", "me")
SANDBOX_USER_DEFAULT_ROLE = "user"

# A second dashboard user, member of the third controller only (for isolation checks).
OTHER_USER_ID = seed_uuid("user:omar.other")
OTHER_USER_EMAIL = "omar.other@example.test"

# A data subject who signed in to a Transparency Center (magic link) and holds the
# `dataSubject` role; linked to one seeded data subject row through dataSubjects.userId.
DATA_SUBJECT_USER_ID = seed_uuid("user:sam.subject")
DATA_SUBJECT_USER_EMAIL = "sam.subject@example.test"
DATA_SUBJECT_USER_ROLES = ("dataSubject",)
DATA_SUBJECT_USER_DEFAULT_ROLE = "dataSubject"
