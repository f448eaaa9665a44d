"""How console pages read HTML form posts (``application/x-www-form-urlencoded``)."""

from __future__ import annotations

from typing import Annotated, TypeVar

from litestar.enums import RequestEncodingType
from litestar.params import Body

T = TypeVar("T")

Form = Annotated[T, Body(media_type=RequestEncodingType.URL_ENCODED)]
"""``data: Form[SomeStruct]`` in a handler reads the posted form into ``SomeStruct``
(extra fields such as ``_csrf_token`` are ignored)."""
