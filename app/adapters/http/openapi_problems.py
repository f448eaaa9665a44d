"""Every operation in the OpenAPI document lists the problem responses it can give.

The error answers come from one place (``problems.py``) for all routes, so they are
added to the generated document once, here, rather than on each handler: a client (or a
contract test) then finds every status the API can answer documented, with the body.
"""

from __future__ import annotations

from litestar import Litestar
from litestar.openapi.spec import OpenAPIMediaType, OpenAPIResponse, Reference, Schema
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


def document_problems(app: Litestar) -> None:
    """Add the shared problem responses to every operation of ``app``'s document."""
    schema = app.openapi_schema
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
