"""Validation rules: user args -> one frozen, normalized :class:`KeySpec`. Imports no cloud SDK.

Every check runs before any resource is registered; a refusal is a :class:`~ai_keys.SecureApiKeyError`
naming the field path and what is allowed.
"""

import dataclasses
import functools
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Optional

import pulumi

from ..args import Backend
from ..errors import SecureApiKeyError
from . import aws_api_gateway, aws_secrets_manager, azure_key_vault, gcp_secret_manager
from .aws_api_gateway import ApiGatewayOptions
from .aws_secrets_manager import AwsSecretsManagerOptions
from .azure_key_vault import AzureKeyVaultOptions
from .common import CommonSpec, EncryptionSpec, RotationSpec, checked_value, parse_common, refuse_repeated_readers
from .deploy_time import at_deploy
from .gcp_secret_manager import GcpSecretManagerOptions

if TYPE_CHECKING:
    from ..issuers import IssuerSpec

__all__ = ["EncryptionSpec", "KeySpec", "RotationSpec", "build_spec", "checked_value"]


@dataclass(frozen=True)
class KeySpec(CommonSpec):
    """Everything a backend needs, validated. Exactly one of the option fields is set."""

    issuer: "Optional[IssuerSpec]" = None
    """Where the value comes from when a service makes it; None for a value you give."""
    aws_secrets_manager: Optional[AwsSecretsManagerOptions] = None
    api_gateway: Optional[ApiGatewayOptions] = None
    azure: Optional[AzureKeyVaultOptions] = None
    gcp: Optional[GcpSecretManagerOptions] = None


_READER_RULES: dict[Backend, Callable[[str, Any], str]] = {
    Backend.AWS_SECRETS_MANAGER: aws_secrets_manager.checked_reader,
    Backend.AWS_API_GATEWAY: aws_secrets_manager.checked_reader,
    Backend.AZURE_KEY_VAULT: azure_key_vault.checked_reader,
    Backend.GCP_SECRET_MANAGER: gcp_secret_manager.checked_member,
}


_READER_SET_RULES: dict[Backend, Callable[[CommonSpec], None]] = {
    Backend.AZURE_KEY_VAULT: azure_key_vault.check_reader_set,
    Backend.GCP_SECRET_MANAGER: gcp_secret_manager.check_reader_set,
}


def _readers_checked_at_deploy(common: CommonSpec) -> tuple[Any, ...]:
    """Readers known only at deploy time get the backend's reader rules, with the same messages, once they
    resolve: each on its own, then all together (a principal listed twice), exactly as known readers were."""
    if all(isinstance(reader, str) for reader in common.readers):
        return common.readers
    rule = _READER_RULES[common.backend]
    each = [
        reader if isinstance(reader, str) else at_deploy(reader, functools.partial(rule, common.reader_path(index)))
        for index, reader in enumerate(common.readers)
    ]
    set_rule = _READER_SET_RULES.get(common.backend)

    def together(resolved: list[Any]) -> list[Any]:
        refuse_repeated_readers(resolved, common.reader_names)
        if set_rule is not None:
            set_rule(dataclasses.replace(common, readers=tuple(resolved)))
        return resolved

    checked_together = at_deploy(pulumi.Output.all(*each), together)
    # Each reader given as an Output waits for the check of the whole set; known readers stay plain strings.
    return tuple(
        reader if isinstance(reader, str) else checked_together.apply(functools.partial(_item, index))
        for index, reader in enumerate(each)
    )


def _item(index: int, readers: list[Any]) -> Any:
    return readers[index]


def _issuer(common: CommonSpec, args: Mapping[str, Any]) -> "Optional[IssuerSpec]":
    if args.get("issuer") is None:
        return None
    from ..issuers import parse_issuer  # the issuers' rules import no cloud SDK either

    if common.value is not None:
        raise SecureApiKeyError(
            "value", "cannot be given together with issuer: the issuer makes the key", "leave value out, or leave issuer out"
        )
    if common.backend is Backend.AWS_API_GATEWAY:
        raise SecureApiKeyError(
            "issuer",
            "does not apply to backend aws-api-gateway, which issues its own keys",
            "a store for the issued key: aws-secrets-manager, azure-key-vault or gcp-secret-manager",
        )
    if common.rotation is not None:
        raise SecureApiKeyError(
            "rotation",
            "does not apply to an issued key: the issuer makes each new key, and the store keeps whatever it made",
            "leave rotation out; re-issue the key by changing the issuer's options or with `pulumi up --replace` "
            "on the issuer's key resource (see the README's section on the issuer)",
        )
    return parse_issuer(args["issuer"])


def build_spec(args: Any, resource_name: str = "") -> KeySpec:
    """Validate and normalize ``args`` for the component named ``resource_name``; raise
    :class:`SecureApiKeyError` on the first problem found."""
    if not isinstance(args, Mapping):
        raise SecureApiKeyError("", f"args must be a mapping (got {type(args).__name__})", "a SecureApiKeyArgs dict")
    spelling, stored = aws_api_gateway.BACKEND_SPELLING, False
    issuer_block = args.get("issuer")
    if isinstance(issuer_block, Mapping) and issuer_block.get("aws_api_gateway") is not None and len(issuer_block) == 1:
        from ..issuers import aws_api_gateway as api_gateway_issuer

        args, stored = api_gateway_issuer.backend_args(args)
        spelling = aws_api_gateway.ISSUER_SPELLING
    common = parse_common(args, resource_name)
    fields = dict(vars(common))
    fields["readers"] = _readers_checked_at_deploy(common)
    fields["issuer"] = _issuer(common, args)
    # Once the known values pass, the Outputs a backend's rules judge are replaced by ones that wait for those
    # rules, so nothing that uses them is registered before they pass.
    if common.backend is Backend.AWS_SECRETS_MANAGER:
        aws = aws_secrets_manager.validate(common, args)
        fields["encryption"] = aws_secrets_manager.encryption_checked_at_deploy(common)
        return KeySpec(**fields, aws_secrets_manager=aws)
    if common.backend is Backend.AWS_API_GATEWAY:
        api_gateway = aws_api_gateway.validate(common, args, spelling, stored=stored)
        fields["encryption"] = aws_secrets_manager.encryption_checked_at_deploy(common)
        return KeySpec(**fields, api_gateway=api_gateway)
    if common.backend is Backend.AZURE_KEY_VAULT:
        azure = azure_key_vault.validate(common, args)
        fields["description"] = azure_key_vault.description_checked_at_deploy(common)
        return KeySpec(**fields, azure=azure)
    gcp = gcp_secret_manager.validate(common, args)
    fields["description"] = gcp_secret_manager.description_checked_at_deploy(common, gcp)
    return KeySpec(**fields, gcp=gcp)
