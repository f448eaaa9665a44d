"""Every operation in the OpenAPI document lists the problem responses it can give.

The error answers come from one place (``problems.py``) for all routes, so they are
added to the generated document once, here, rather than on each handler: a client (or a
contract test) then finds every status the API can answer documented, with the body.

The document is built when it is first asked for (``/schema``), not when the app is:
generating it costs about half a second and some megabytes that a process serving no
one the document should not pay. Litestar has no public hook for "after the document
is built", so the app's (private) OpenAPI plugin gets a subclass that adds the problems
to what it builds; tests/unit/test_litestar_internals.py checks that shape on upgrade.
"""

from __future__ import annotations

from litestar import Litestar
from litestar._openapi.plugin import OpenAPIPlugin
from litestar.openapi.spec import OpenAPI, OpenAPIMediaType, OpenAPIResponse, Reference, Schema
from litestar.openapi.spec.enums import OpenAPIType

PROBLEM_MEDIA_TYPE = "application/problem+json"
# status → when it is answered (any route may meet these)
COMMON = {
    "400": "The request is malformed",
    "401": "Not signed in, or the session has ended",
    "403": "Signed in but not allowed, or a required consent is missing",
    "404": "Not found (or not yours)",
    "405": "Method not allowed",
    "409": "Conflicts with the current state",
    "412": "The version sent is not the current one",
    "413": "The body is too large",
    "422": "The input breaks a rule about its content",
    "429": "Too many requests from this address; see Retry-After",
    "500": "Unexpected error (logged with the request id)",
    "503": "A dependency is unavailable; see Retry-After",
}

PROBLEM_SCHEMA = Schema(
    type=OpenAPIType.OBJECT,
    required=["type", "title", "status", "code"],
    properties={
        "type": Schema(type=OpenAPIType.STRING),
        "title": Schema(type=OpenAPIType.STRING),
        "status": Schema(type=OpenAPIType.INTEGER),
        "code": Schema(type=OpenAPIType.STRING, description="Stable machine-readable code"),
        "detail": Schema(type=OpenAPIType.STRING),
        "request_id": Schema(type=OpenAPIType.STRING),
        "errors": Schema(
            type=OpenAPIType.ARRAY,
            items=Schema(
                type=OpenAPIType.OBJECT,
                properties={
                    "field": Schema(type=[OpenAPIType.STRING, OpenAPIType.NULL]),
                    "message": Schema(type=OpenAPIType.STRING),
                    "source": Schema(type=[OpenAPIType.STRING, OpenAPIType.NULL]),
                },
            ),
        ),
    },
)


class ProblemDocumentingPlugin(OpenAPIPlugin):
    """Litestar's OpenAPI plugin, adding the problem responses to what it builds."""

    __slots__ = ()

    def _build_openapi(self) -> OpenAPI:
        schema = super()._build_openapi()
        add_problems(schema)
        return schema


def document_problems(app: Litestar) -> None:
    """Have ``app``'s document list the shared problem responses once it is built."""
    plugin = app.plugins.get(OpenAPIPlugin)
    # Same slots, one method more: the plugin Litestar made is kept, registrations and all.
    plugin.__class__ = ProblemDocumentingPlugin


def add_problems(schema: OpenAPI) -> None:
    """Add the shared problem responses to every operation of ``schema``."""
    if schema.components is not None:
        schema.components.schemas = {**(schema.components.schemas or {}), "Problem": PROBLEM_SCHEMA}
    ref = Reference(ref="#/components/schemas/Problem")
    for path_item in (schema.paths or {}).values():
        for operation in (path_item.get, path_item.post, path_item.put, path_item.patch,
                          path_item.delete):  # fmt: skip
            if operation is None:
                continue
            responses = operation.responses if operation.responses is not None else {}
            for status, description in COMMON.items():
                existing = responses.get(status)
                if isinstance(existing, OpenAPIResponse) and existing.content:
                    existing.content.setdefault(PROBLEM_MEDIA_TYPE, OpenAPIMediaType(schema=ref))
                    continue
                responses[status] = OpenAPIResponse(
                    description=description,
                    content={PROBLEM_MEDIA_TYPE: OpenAPIMediaType(schema=ref)},
                )
            operation.responses = responses
