"""Schemas and types every resource of the API shares."""

from decimal import Decimal
from typing import Annotated

from ninja import Field, Schema
from pydantic import AliasPath, ConfigDict, PlainSerializer, WithJsonSchema

# Money and rates leave the API as decimal strings ("100000.00"), never as floats.
DecimalString = Annotated[
    Decimal,
    PlainSerializer(str, return_type=str),
    WithJsonSchema({"type": "string", "format": "decimal", "examples": ["100000.00"]}),
]

# Money and rates come in as decimal strings (preferred) or JSON numbers.
DecimalInput = Annotated[
    Decimal,
    WithJsonSchema(
        {
            "anyOf": [{"type": "string", "format": "decimal"}, {"type": "number"}],
            "examples": ["100000.00"],
        }
    ),
]

Limit = Annotated[int, Field(ge=1, le=200, description="Rows per page (1–200).")]

Cursor = Annotated[
    str | None,
    Field(description="The `next_cursor` of the previous page; omit for the first page."),
]


def read_from(*path: str, **kwargs):
    """An output field read from the record at `path`, e.g. `read_from("owner", "username")`."""
    return Field(validation_alias=AliasPath(*path), **kwargs)


class InputSchema(Schema):
    """A request body: an unknown key is an error, not a change silently dropped."""

    model_config = ConfigDict(extra="forbid")


class PatchSchema(InputSchema):
    """A PATCH body: only the keys sent are changed."""

    def changes(self) -> dict:
        """The keys the client sent (a `version` is not one of the changes)."""
        return self.model_dump(exclude_unset=True, exclude={"version"})


class VersionedPatch(PatchSchema):
    """A PATCH body that starts with the version the client read."""

    version: int = Field(description="The version you read; a stale one answers 409.")


class MessageOut(Schema):
    detail: str


class ValidationErrorOut(Schema):
    detail: str = Field(description="A summary for people.")
    errors: dict[str, list[str]] = Field(
        description="Messages per field; '__all__' holds those about no single field."
    )


class ConflictOut(Schema):
    detail: str
    current_version: int | None = Field(description="The version the record has now.")


# The OpenAPI description of an export's 200 answer: the CSV or XLSX file itself.
EXPORT_FILE_RESPONSE = {
    "responses": {
        200: {
            "description": "The file.",
            "content": {
                "text/csv": {"schema": {"type": "string"}},
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {
                    "schema": {"type": "string", "format": "binary"}
                },
            },
        }
    }
}
