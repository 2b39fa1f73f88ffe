import pytest
from gymloop_gateway.openapi_merge import merge_documents, namespace_document
from gymloop_kit.http.problem_docs import problem_schemas

pytestmark = pytest.mark.unit


def service_doc(schema_field: str) -> dict:
    return {
        "openapi": "3.1.0",
        "info": {"title": "svc", "version": "0.1.0", "description": "what it owns"},
        "paths": {
            "/plans/{plan_id}": {
                "get": {
                    "tags": ["plans"],
                    "operationId": "get_plan",
                    "responses": {
                        "200": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Plan"}}}}
                    },
                    "security": [{"HTTPBearer": []}],
                }
            },
            "/health": {"get": {"operationId": "health", "responses": {"200": {}}}},
        },
        "components": {
            "schemas": {
                "Plan": {"properties": {"price": {"$ref": "#/components/schemas/Money"}, schema_field: {}}},
                "Money": {"properties": {"cents": {"type": "integer"}}},
            },
            "securitySchemes": {"HTTPBearer": {"type": "http", "scheme": "bearer"}},
        },
    }


def test_paths_are_prefixed_and_refs_follow_the_renamed_schemas():
    part = namespace_document("billing", service_doc("name"))
    assert set(part["paths"]) == {"/api/v1/billing/plans/{plan_id}", "/api/v1/billing/health"}
    operation = part["paths"]["/api/v1/billing/plans/{plan_id}"]["get"]
    schema_ref = operation["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
    assert schema_ref == "#/components/schemas/billing.Plan"
    assert operation["operationId"] == "billing.get_plan"
    assert operation["tags"] == ["billing: plans"]
    nested = part["components"]["schemas"]["billing.Plan"]["properties"]["price"]["$ref"]
    assert nested == "#/components/schemas/billing.Money"
    # Security schemes are referenced by name: they keep theirs.
    assert "HTTPBearer" in part["components"]["securitySchemes"]


def test_two_services_with_the_same_schema_name_do_not_clash():
    merged = merge_documents(
        {"openapi": "3.1.0", "info": {"title": "Gymloop API", "version": "0.1.0"}, "paths": {"/ready": {}}},
        {"billing": service_doc("billing_field"), "bookings": service_doc("bookings_field")},
        {"members": "does not answer: ConnectError"},
    )
    schemas = merged["components"]["schemas"]
    assert "billing_field" in schemas["billing.Plan"]["properties"]
    assert "bookings_field" in schemas["bookings.Plan"]["properties"]
    assert "/ready" in merged["paths"]
    assert "/api/v1/bookings/plans/{plan_id}" in merged["paths"]
    tag_names = [tag["name"] for tag in merged["tags"]]
    assert "billing: plans" in tag_names
    assert "bookings" in tag_names  # untagged operations are grouped under the service's name
    assert merged["x-gymloop-services"]["members"]["status"] == "unavailable"
    assert "members" in merged["info"]["description"]
    operation_ids = [
        operation["operationId"]
        for item in merged["paths"].values()
        for operation in item.values()
        if isinstance(operation, dict) and "operationId" in operation
    ]
    assert len(operation_ids) == len(set(operation_ids))


def test_the_kits_error_schema_stays_one_schema_for_the_platform():
    problem_content = {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
    documents = {}
    for service in ("billing", "bookings"):
        document = service_doc("name")
        document["paths"]["/health"]["get"]["responses"]["default"] = {"content": problem_content}
        document["components"]["schemas"].update(problem_schemas())
        documents[service] = document
    base = {"openapi": "3.1.0", "info": {"title": "Gymloop API", "version": "0.1.0"}, "paths": {}}
    merged = merge_documents(base, documents, {})
    schemas = merged["components"]["schemas"]
    assert set(problem_schemas()) <= set(schemas)
    assert not [name for name in schemas if name.partition(".")[2] in problem_schemas()]
    for service in documents:
        answer = merged["paths"][f"/api/v1/{service}/health"]["get"]["responses"]["default"]
        assert answer["content"] == problem_content
    assert merged["paths"]["/api/v1/bookings/health"]["get"]["operationId"] == "bookings.health"
