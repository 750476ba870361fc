"""Role assignments with derived names: the same principal, role and scope always make the same assignment."""

from typing import Any

import pulumi
import pulumi_azure_native as azure_native

from . import _names

__all__ = ["role_assignment", "role_definition_id"]


def role_definition_id(client: "pulumi.Output[Any]", role: str) -> "pulumi.Output[str]":
    """The full id of role ``role``: a built-in role's GUID, or a role definition id as it is."""
    if role.startswith("/"):
        return pulumi.Output.from_input(role)
    definitions = "/providers/Microsoft.Authorization/roleDefinitions/"
    return pulumi.Output.concat("/subscriptions/", client.subscription_id, definitions, role)


def role_assignment(
    resource_name: str,
    principal: Any,
    principal_type: str,
    role_id: str,
    scope: "pulumi.Input[str]",
    client: "pulumi.Output[azure_native.authorization.GetClientConfigResult]",
    parent: pulumi.Resource,
) -> azure_native.authorization.RoleAssignment:
    """``role_id`` (a built-in role's GUID, or a role definition id) for ``principal`` on ``scope`` only."""
    assignment_name = pulumi.Output.all(scope, principal).apply(
        lambda a: _names.role_assignment_name(str(a[0]), str(a[1]), role_id)
    )
    return azure_native.authorization.RoleAssignment(
        resource_name,
        principal_id=principal,
        principal_type=principal_type,
        role_definition_id=role_definition_id(client, role_id),
        scope=scope,
        role_assignment_name=assignment_name,
        # The Azure name is derived, so a replacement must free it before creating the new one.
        opts=pulumi.ResourceOptions(parent=parent, delete_before_replace=True),
    )
