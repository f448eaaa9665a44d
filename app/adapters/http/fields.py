"""Field types shared by the request bodies of several routes.

Their constraints are the domain's own rules, so the OpenAPI document promises exactly
what the API accepts.
"""

from __future__ import annotations

from typing import Annotated

import msgspec

from app.domain.shared.contact import EMAIL_PATTERN

EmailAddress = Annotated[
    str,
    msgspec.Meta(
        pattern=EMAIL_PATTERN,
        max_length=254,
        description="An e-mail address (compared without regard to case)",
    ),
]
