"""The OpenAPI document: every request body has an example that fits its schema, and no two
schemas share a name (one would silently replace the other in the document)."""

import collections
import inspect
import sys

import jsonschema_rs
import pydantic
import pytest
from django.test import Client

from shangji.api import api as _api  # noqa: F401 - imports every API module
from shangji.api.examples import REQUEST_EXAMPLES

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def document():
    return Client().get("/api/v1/openapi.json").json()


def test_every_json_body_has_an_example_that_fits_its_schema(document):
    schemas = document["components"]["schemas"]
    bodies = [
        (method, path, operation["requestBody"]["content"]["application/json"])
        for path, operations in document["paths"].items()
        for method, operation in operations.items()
        if "application/json" in operation.get("requestBody", {}).get("content", {})
    ]
    assert len(bodies) >= 39
    for method, path, body in bodies:
        assert "example" in body, (method, path)
        validator = jsonschema_rs.validator_for(
            {**body["schema"], "components": {"schemas": schemas}}
        )
        errors = [error.message for error in validator.iter_errors(body["example"])]
        assert not errors, (method, path, errors)


def test_every_example_names_a_request_body(document):
    titles = {
        body["schema"].get("title") or body["schema"].get("$ref", "").rsplit("/", 1)[-1]
        for operations in document["paths"].values()
        for operation in operations.values()
        for body in operation.get("requestBody", {}).get("content", {}).values()
    }
    titles |= {
        option["$ref"].rsplit("/", 1)[-1]
        for operations in document["paths"].values()
        for operation in operations.values()
        for body in operation.get("requestBody", {}).get("content", {}).values()
        for option in body["schema"].get("anyOf", [])
        if "$ref" in option
    }
    assert set(REQUEST_EXAMPLES) - titles == set()


def test_schema_names_are_unique_across_the_api_modules():
    classes = collections.defaultdict(set)
    for name, module in list(sys.modules.items()):
        if not name.startswith("shangji.api."):
            continue
        for value in vars(module).values():
            if (
                inspect.isclass(value)
                and issubclass(value, pydantic.BaseModel)
                and value.__module__ == name
            ):
                classes[value.__name__].add(name)
    assert {key: modules for key, modules in classes.items() if len(modules) > 1} == {}
