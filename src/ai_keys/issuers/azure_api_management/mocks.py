"""What Resource Manager returns for the resources and the invoke of ``issuer.azure_api_management``, under the mock
engine and in an offline preview."""

from collections.abc import Mapping
from typing import Any, Callable

__all__ = ["MOCK_CALLS", "MOCK_OUTPUTS", "mock_secrets"]

_SUBSCRIPTION = "/subscriptions/00000000-0000-0000-0000-000000000000"
_HEX = "0123456789abcdef"


def _service_id(inputs: Mapping[str, Any]) -> str:
    return (
        f"{_SUBSCRIPTION}/resourceGroups/{inputs.get('resourceGroupName')}"
        f"/providers/Microsoft.ApiManagement/service/{inputs.get('serviceName')}"
    )


def mock_secrets(args: Mapping[str, Any]) -> dict[str, Any]:
    """``listSubscriptionSecrets``: API Management generates each key as 32 lowercase hex digits."""
    from ...testing.mock_clouds._ids import stable_id

    sid = f"{args.get('serviceName')}/{args.get('sid')}"
    return {
        "primaryKey": stable_id("apim-primary", sid, length=32, alphabet=_HEX),
        "secondaryKey": stable_id("apim-secondary", sid, length=32, alphabet=_HEX),
    }


def _product(name: str, inputs: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    product = inputs.get("productId") or name
    state = {
        **inputs,
        "name": product,
        "type": "Microsoft.ApiManagement/service/products",
        "azureApiVersion": "2024-05-01",
    }
    return f"{_service_id(inputs)}/products/{product}", state


def _product_api(name: str, inputs: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    api = inputs.get("apiId")
    state = {**inputs, "name": api, "type": "Microsoft.ApiManagement/service/apis", "azureApiVersion": "2024-05-01"}
    return f"{_service_id(inputs)}/products/{inputs.get('productId')}/apis/{api}", state


def _product_policy(name: str, inputs: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    state = {
        **inputs,
        "name": "policy",
        "type": "Microsoft.ApiManagement/service/products/policies",
        "azureApiVersion": "2024-05-01",
    }
    return f"{_service_id(inputs)}/products/{inputs.get('productId')}/policies/policy", state


def _subscription(name: str, inputs: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """A subscription as its PUT returns it: the keys included (a GET leaves them out), which the component marks
    secret because azure-native does not."""
    sid = inputs.get("sid") or name
    keys = mock_secrets({"serviceName": inputs.get("serviceName"), "sid": sid})
    state = {
        **inputs,
        **keys,
        "name": sid,
        "type": "Microsoft.ApiManagement/service/subscriptions",
        "state": inputs.get("state") or "submitted",
        "createdDate": "2026-01-01T00:00:00Z",
        "azureApiVersion": "2024-05-01",
    }
    return f"{_service_id(inputs)}/subscriptions/{sid}", state


MOCK_OUTPUTS: Mapping[str, Callable[[str, dict[str, Any]], tuple[str, dict[str, Any]]]] = {
    "azure-native:apimanagement:Product": _product,
    "azure-native:apimanagement:ProductApi": _product_api,
    "azure-native:apimanagement:ProductPolicy": _product_policy,
    "azure-native:apimanagement:Subscription": _subscription,
}
MOCK_CALLS: Mapping[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
    "azure-native:apimanagement:listSubscriptionSecrets": mock_secrets,
}
