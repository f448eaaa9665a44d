"""msgspec structs in the OpenAPI document say what the decoder really accepts.

Two corrections to Litestar's own struct schema, made by a plugin that runs before it:

- request structs declared with ``forbid_unknown_fields=True`` refuse a body with a
  field they do not know (422), so they are documented with
  ``additionalProperties: false`` instead of an open object;
- a ``datetime.time`` field (a local time of day such as ``10:00:00``) is documented as
  a string with that pattern; Litestar labels it ``format: duration``, which is a
  different thing (``PT10H``);
- an optional constrained string (``Annotated[Slug | None, Meta(description=...)]``)
  keeps its pattern and lengths in the string branch of its ``oneOf``; Litestar drops
  them there, so a client could not tell from the document why ``""`` is refused.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import msgspec

# Litestar keeps its msgspec schema plugin in a private module; subclassing it keeps
# every other detail of the generated schema (names, required fields, tagged unions).
from litestar._openapi.schema_generation.plugins.struct import StructSchemaPlugin
from litestar.openapi.spec import Schema
from litestar.openapi.spec.enums import OpenAPIType

if TYPE_CHECKING:
    from litestar._openapi.schema_generation import SchemaCreator
    from litestar.typing import FieldDefinition


TIME_OF_DAY = r"^([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9](\.[0-9]{1,6})?)?$"


class ClosedStructSchemaPlugin(StructSchemaPlugin):
    """Struct schemas that are closed where the struct is, with honest times of day."""

    def to_openapi_schema(
        self, field_definition: FieldDefinition, schema_creator: SchemaCreator
    ) -> Schema:
        schema = super().to_openapi_schema(field_definition, schema_creator)
        info = msgspec.inspect.type_info(field_definition.type_)
        if not isinstance(info, msgspec.inspect.StructType):
            return schema
        # The component schema lives in the registry; the return value may be a
        # reference to it.
        component = schema_creator.schema_registry.get_schema_for_field_definition(field_definition)
        if info.forbid_unknown_fields:
            component.additional_properties = False
        for field in info.fields:
            prop = (component.properties or {}).get(field.encode_name)
            if _is_time(field.type) and isinstance(prop, Schema):
                prop.format = None
                prop.pattern = TIME_OF_DAY
                prop.description = prop.description or "Local time of day, HH:MM[:SS]"
            elif isinstance(prop, Schema):
                _constrain_string_branch(field.type, prop)
        return schema


def _constrain_string_branch(kind: msgspec.inspect.Type, prop: Schema) -> None:
    """Copy a union's string constraints onto the string branch of ``prop.one_of``."""
    if isinstance(kind, msgspec.inspect.Metadata):
        kind = kind.type
    if not isinstance(kind, msgspec.inspect.UnionType) or not prop.one_of:
        return
    members = [t.type if isinstance(t, msgspec.inspect.Metadata) else t for t in kind.types]
    strings = [t for t in members if isinstance(t, msgspec.inspect.StrType)]
    if len(strings) != 1:
        return
    text = strings[0]
    for branch in prop.one_of:
        if isinstance(branch, Schema) and branch.type == OpenAPIType.STRING:
            if text.pattern is not None and branch.pattern is None:
                branch.pattern = text.pattern
            if text.min_length is not None and branch.min_length is None:
                branch.min_length = text.min_length
            if text.max_length is not None and branch.max_length is None:
                branch.max_length = text.max_length


def _is_time(kind: msgspec.inspect.Type) -> bool:
    if isinstance(kind, msgspec.inspect.TimeType):
        return True
    if isinstance(kind, msgspec.inspect.UnionType):
        return any(isinstance(t, msgspec.inspect.TimeType) for t in kind.types)
    return False
