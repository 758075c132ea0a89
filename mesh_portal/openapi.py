"""drf-spectacular hooks: what every operation of the schema shares."""

from mesh_portal.exceptions import NOT_AUTHENTICATED_EXAMPLE

ERROR_REF = {"$ref": "#/components/schemas/Error"}


def add_authentication_errors(result, generator, request, public):
    """Every operation that requires credentials answers 401 without them, in the error shape.

    A postprocessing hook rather than an annotation per view, so that no endpoint can forget it.
    """
    if "Error" not in result.get("components", {}).get("schemas", {}):
        return result
    for methods in result.get("paths", {}).values():
        for operation in methods.values():
            requirements = operation.get("security") or []
            if not requirements or {} in requirements:  # no or optional authentication
                continue
            operation["responses"].setdefault(
                "401",
                {
                    "description": "No credentials, or invalid ones: send `Authorization: Token <key>` "
                    "or a session cookie.",
                    "content": {
                        "application/json": {
                            "schema": ERROR_REF,
                            "examples": {
                                "NotAuthenticated": {"value": NOT_AUTHENTICATED_EXAMPLE},
                            },
                        }
                    },
                },
            )
    return result
