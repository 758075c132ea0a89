"""The OpenAPI description at /api/schema/: every operation has examples and documents its errors
in the API's error shape, and every example fits the schema it illustrates.

These walk every operation of the served schema, so an endpoint added without examples or
error responses fails here with a list naming each operation and what it lacks.
"""

from __future__ import annotations

import copy

import jsonschema
import pytest

pytestmark = pytest.mark.django_db

ERROR_REF = "#/components/schemas/Error"
METHODS = ("get", "put", "patch", "post", "delete")


@pytest.fixture
def api_schema(client) -> dict:
    response = client.get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    return response.json()


def operations(api_schema: dict):
    for path, item in api_schema["paths"].items():
        for method in METHODS:
            if method in item:
                yield f"{method.upper()} {path}", item[method]


def _has_example(content: dict) -> bool:
    return any(media.get("examples") or "example" in media for media in content.values())


def operation_problems(label: str, op: dict) -> list[str]:
    """What the operation's description lacks, one line each."""
    problems = []
    responses = op.get("responses", {})
    if not op.get("summary"):
        problems.append(f"{label}: no summary")
    body = op.get("requestBody", {}).get("content", {})
    if body and not _has_example(body):
        problems.append(f"{label}: the request body has no example")
    successes = {code: r for code, r in responses.items() if code.startswith("2")}
    if not successes:
        problems.append(f"{label}: no success response")
    for code, response in successes.items():
        if response.get("content") and not _has_example(response["content"]):
            problems.append(f"{label}: response {code} has no example")
    contents = [body, *(r.get("content", {}) for r in responses.values())]
    if not any(_has_example(content) for content in contents):
        problems.append(f"{label}: no example at all")
    errors = {code: r for code, r in responses.items() if code[0] in "45"}
    if op.get("security") and "401" not in errors:
        problems.append(f"{label}: needs credentials but documents no 401")
    if any(p["in"] == "path" for p in op.get("parameters", [])) and "404" not in errors:
        problems.append(f"{label}: has path parameters but documents no 404")
    if body and "400" not in errors:
        problems.append(f"{label}: takes a body but documents no 400")
    for code, response in errors.items():
        media = response.get("content", {}).get("application/json")
        if media is None or media.get("schema", {}).get("$ref") != ERROR_REF:
            problems.append(
                f"{label}: response {code} is not the error shape "
                "(use mesh_portal.exceptions.error_response / not_found / invalid)"
            )
        elif not media.get("examples"):
            problems.append(f"{label}: response {code} has no example")
    return problems


def test_every_operation_has_examples_and_documents_its_errors(api_schema):
    labels = [label for label, _ in operations(api_schema)]
    assert len(labels) >= 12, labels  # the catalog and access APIs at least
    problems = [p for label, op in operations(api_schema) for p in operation_problems(label, op)]
    assert not problems, (
        "Each API operation needs extend_schema(...) with examples (request and success response) "
        "and its error responses in the error shape; missing:\n  " + "\n  ".join(problems)
    )


def test_the_check_names_an_operation_without_examples_or_errors():
    bare = {
        "summary": "Bare",
        "security": [{"tokenAuth": []}],
        "parameters": [{"in": "path", "name": "id", "schema": {"type": "integer"}}],
        "responses": {
            "200": {"content": {"application/json": {"schema": {"type": "object"}}}},
            "403": {"description": "No schema"},
        },
    }
    assert operation_problems("GET /api/v1/bare/{id}/", bare) == [
        "GET /api/v1/bare/{id}/: response 200 has no example",
        "GET /api/v1/bare/{id}/: no example at all",
        "GET /api/v1/bare/{id}/: needs credentials but documents no 401",
        "GET /api/v1/bare/{id}/: has path parameters but documents no 404",
        "GET /api/v1/bare/{id}/: response 403 is not the error shape "
        "(use mesh_portal.exceptions.error_response / not_found / invalid)",
    ]


def test_the_error_component_is_the_exception_handlers_shape(api_schema):
    error = api_schema["components"]["schemas"]["Error"]
    body = api_schema["components"]["schemas"]["ErrorBody"]
    assert error["required"] == ["error"]
    assert error["properties"]["error"]["$ref"] == "#/components/schemas/ErrorBody"
    assert sorted(body["required"]) == ["code", "details", "message"]


def _json_schema(node):
    """OpenAPI 3.0 schema -> JSON Schema: `nullable: true` becomes "or null"."""
    if isinstance(node, list):
        return [_json_schema(item) for item in node]
    if not isinstance(node, dict):
        return node
    node = {key: _json_schema(value) for key, value in node.items()}
    if node.pop("nullable", False):
        return {"anyOf": [node, {"type": "null"}]}
    return node


def example_problems(api_schema: dict) -> list[str]:
    components = _json_schema(copy.deepcopy(api_schema["components"]))
    problems = []
    for label, op in operations(api_schema):
        media_types = [("request", op.get("requestBody", {}).get("content", {}))]
        media_types += [(code, r.get("content", {})) for code, r in op.get("responses", {}).items()]
        for where, content in media_types:
            for media_type, media in content.items():
                if media_type == "text/plain":
                    continue
                schema = {**_json_schema(media.get("schema", {})), "components": components}
                for name, example in (media.get("examples") or {}).items():
                    try:
                        jsonschema.validate(example["value"], schema)
                    except jsonschema.ValidationError as exc:
                        problems.append(f"{label} {where} {media_type} example {name!r}: {exc.message}")
    return problems


def test_every_example_fits_its_schema(api_schema):
    problems = example_problems(api_schema)
    assert not problems, "Examples that do not match their schema:\n  " + "\n  ".join(problems)


def test_an_example_that_does_not_fit_is_named(api_schema):
    doctored = copy.deepcopy(api_schema)
    content = doctored["paths"]["/api/v1/domains/"]["get"]["responses"]["200"]["content"]
    (name, example), *_ = content["application/json"]["examples"].items()
    example["value"][0]["product_count"] = "three"
    assert example_problems(doctored) == [
        f"GET /api/v1/domains/ 200 application/json example {name!r}: 'three' is not of type 'integer'"
    ]


def test_the_publish_example_is_a_contract_the_gate_publishes(client):
    from catalog.api.examples import CONTRACT_YAML_TEXT
    from tests.factories import make_user, publish_ok

    publish_ok()  # sales/orders 1.0.0
    owner = make_user("owner", role="product_owner", home_domain="sales", team="sales-analytics")
    client.force_login(owner)
    response = client.post(
        "/api/v1/products/sales/orders/versions/",
        {"contract": CONTRACT_YAML_TEXT},
        content_type="application/json",
    )
    assert response.status_code == 201, response.json()
    assert (response.json()["version"], response.json()["status"]) == ("1.1.0", "published")
