"""The SecureApiKey component: validate -> pick the backend -> expose uniform outputs."""

import inspect
from typing import TYPE_CHECKING, Any, Optional, TypeVar, overload

import pulumi

from .args import SecureApiKeyArgs
from .delivery import DeliverySpec, deliver, require_extras
from .errors import SecureApiKeyError
from .issuers import load_issuer
from .rules import build_spec
from .rules.deploy_time import declaring
from .stores import load_backend

if TYPE_CHECKING:
    from typing_extensions import Unpack

TYPE_TOKEN = "ai-keys:index:SecureApiKey"

_Component = TypeVar("_Component", bound=type[pulumi.ComponentResource])


def _outputs_declared_on_a_base(cls: _Component) -> _Component:
    """Keep the output annotations written in ``cls``'s body, for type checkers and the schema, on a base class.

    On every registration the SDK re-derives type hints from the resource class's own ``__annotations__``
    (``pulumi._types.resource_types``, uncached), to translate outputs the engine returns, and a component
    gets none back. Per key that was several times the work of validating its args. The schema analyzer walks the
    MRO for annotations and reads field docstrings from ``cls``'s source, so the schema stays the same
    (``tests/test_schema.py`` checks it).
    """
    holder = type(
        f"_{cls.__name__}Outputs",
        cls.__bases__,
        {"__annotations__": dict(inspect.get_annotations(cls)), "__module__": cls.__module__},
    )
    cls.__bases__ = (holder,)
    cls.__annotations__ = {}
    return cls


def _with_inherited_retain(opts: Optional[pulumi.ResourceOptions]) -> Optional[pulumi.ResourceOptions]:
    """Pass ``retain_on_delete`` given to the component down to every child, so that retaining the
    component never leaves a child to be deleted (the SDK itself copies only ``protect`` and providers)."""
    retain = opts.retain_on_delete if opts is not None else None
    if retain is None:
        return opts

    def inherit(args: pulumi.ResourceTransformationArgs) -> Optional[pulumi.ResourceTransformationResult]:
        if args.opts.retain_on_delete is not None:
            return None
        return pulumi.ResourceTransformationResult(
            args.props, pulumi.ResourceOptions.merge(args.opts, pulumi.ResourceOptions(retain_on_delete=retain))
        )

    return pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(transformations=[inherit]))


def _one_form_of_args(args: Optional[SecureApiKeyArgs], keywords: dict[str, Any]) -> Any:
    """The args, given as one dict or as keywords (as Pulumi resources take them), never both."""
    if keywords and args is not None:
        raise SecureApiKeyError(
            "args",
            f"were given both as a dict and as keywords ({', '.join(sorted(keywords))})",
            'one form: SecureApiKey("name", {"backend": ..., ...}) or SecureApiKey("name", backend=..., ...)',
        )
    if args is None and not keywords:
        raise SecureApiKeyError(
            "args", "are missing", 'SecureApiKey("name", {"backend": ..., "value": ...}) or SecureApiKey("name", backend=...)'
        )
    return args if args is not None else keywords


def _resources_depended_on(opts: Optional[pulumi.ResourceOptions]) -> list[pulumi.Resource]:
    """The resources in the component's ``depends_on``: what an issuer reads (an invoke, which the component's own
    dependencies do not delay) waits for them too."""
    given = opts.depends_on if opts is not None else None
    items = given if isinstance(given, (list, tuple)) else [given]
    return [item for item in items if isinstance(item, pulumi.Resource)]


@_outputs_declared_on_a_base
class SecureApiKey(pulumi.ComponentResource):
    """An API key for an AI service stored in the cloud's own secret store, secure by default: the
    value is a Pulumi secret everywhere it flows, readers get read access to this key only, deletion
    is protected, and encryption, rotation, replication and tags follow the cloud's best practice.
    Bad input is refused before any resource is registered."""

    backend: pulumi.Output[str]
    """The store that keeps the key: the `backend` given, or `aws-api-gateway` for an `issuer.aws_api_gateway` key
    (with or without its copy in Secrets Manager)."""
    secret_id: pulumi.Output[str]
    """The store's id of the key: secret ARN (AWS), secret resource id (Azure), ``projects/P/secrets/S``
    (GCP), or the API key id (API Gateway)."""
    secret_ref: pulumi.Output[str]
    """What the app passes to ``ai_keys.runtime.resolve``: the secret ARN, the versionless Key Vault secret
    URL, ``projects/P/secrets/S/versions/latest``, or the API key id when not stored in Secrets Manager."""
    version_id: pulumi.Output[str]
    """Id of the version the component wrote."""
    value: pulumi.Output[str]
    """The key's value as written by this deployment. Always a Pulumi secret. With rotation on this is the
    initial value; read the current one at run time through ``secret_ref``. When the rotator makes the first key
    (an issuer with `rotation`, but Azure AI Services), it is the placeholder `ai-keys:first-key-pending`."""
    kms_key_id: pulumi.Output[Optional[str]]
    """ARN or id of the customer-managed key encrypting the secret, when one is used."""
    api_key_id: pulumi.Output[Optional[str]]
    """API Gateway key id (``issuer.aws_api_gateway`` only)."""
    usage_plan_id: pulumi.Output[Optional[str]]
    """API Gateway usage plan id the key belongs to (``issuer.aws_api_gateway`` only)."""
    issued_key_id: pulumi.Output[Optional[str]]
    """Which key the issuer made, never its value: the Gemini API key's resource name, the Bedrock credential's
    alias, or the Azure AI Services account id with `#key1` or `#key2`. None without an issuer. With `rotation` the
    rotator makes the keys, and this names their parent: the Bedrock user's ARN, the Gemini key ids' prefix
    (`projects/P/locations/global/keys/PREFIX*`), or the OpenAI project's service accounts
    (`openai:PROJECT/service_accounts/PREFIX*`)."""
    kubernetes_secret: pulumi.Output[Optional[str]]
    """`namespace/name` of what pods use with the `kubernetes` block: the Kubernetes Secret ESO keeps in sync, or the
    SecretProviderClass a CSI volume names. Known once it exists; None without the block."""
    esc_environment: pulumi.Output[Optional[str]]
    """`org/project/env` of the Pulumi ESC environment the `esc` block made (for `esc run org/project/env -- ...`).
    None without the block."""

    @overload
    def __init__(self, name: str, /, args: SecureApiKeyArgs, opts: Optional[pulumi.ResourceOptions] = None) -> None: ...

    @overload
    def __init__(
        self, name: str, /, *, opts: Optional[pulumi.ResourceOptions] = None, **kwargs: "Unpack[SecureApiKeyArgs]"
    ) -> None: ...

    def __init__(
        self,
        name: str,
        /,
        args: SecureApiKeyArgs = None,  # type: ignore[assignment] # the schema reads this annotation: keep it exact
        opts: Optional[pulumi.ResourceOptions] = None,
        **kwargs: Any,
    ) -> None:
        """``SecureApiKey(name, {...args}, opts)``, or the same args as keywords: ``SecureApiKey(name, backend=...)``."""
        # Everything that can be refused is refused here, before the component itself is registered.
        with declaring(name):
            spec = build_spec(_one_form_of_args(args, kwargs), name)
            store = load_backend(spec.backend)
            issuer = load_issuer(spec.issuer.name) if spec.issuer is not None else None
            delivery = spec.delivery if spec.delivery is not None else DeliverySpec()
            require_extras(delivery)
            super().__init__(TYPE_TOKEN, name, {}, _with_inherited_retain(opts))
            # Where the key comes from, then where it is kept.
            issued = (
                issuer.issue(name, spec.issuer.options, spec.tags, self, _resources_depended_on(opts), spec.rotation)
                if issuer and spec.issuer
                else None
            )
            # With a managed rotation the store deploys the rotator beside the secret, with what the issuer needs.
            result = store.create(name, spec, self, issued.value if issued else None, rotator=issued.rotator if issued else None)
            # Then the fleet reads it where it is kept: the blocks' identities are among the store's readers already.
            delivered = deliver(name, delivery, self, result.secret_ref)
        none: pulumi.Output[Optional[str]] = pulumi.Output.from_input(None)  # one for every output a key has not
        self.backend = pulumi.Output.from_input(spec.backend.value)
        self.secret_id = result.secret_id
        self.secret_ref = result.secret_ref
        self.version_id = result.version_id
        self.value = result.value  # a Pulumi secret from the start: the store's contract (BackendResult)
        self.kms_key_id = result.kms_key_id if result.kms_key_id is not None else none
        self.api_key_id = result.api_key_id if result.api_key_id is not None else none
        self.usage_plan_id = result.usage_plan_id if result.usage_plan_id is not None else none
        # An API Gateway key is issued too: its id says which key it is.
        issued_key_id = issued.issued_key_id if issued else result.api_key_id
        self.issued_key_id = issued_key_id if issued_key_id is not None else none
        self.kubernetes_secret = delivered.kubernetes_secret if delivered.kubernetes_secret is not None else none
        self.esc_environment = delivered.esc_environment if delivered.esc_environment is not None else none
        # Only the outputs this key has go into the state: absent ones would be one more await each.
        self.register_outputs(
            {
                key: output
                for key, output in (
                    ("backend", self.backend),
                    ("secret_id", self.secret_id),
                    ("secret_ref", self.secret_ref),
                    ("version_id", self.version_id),
                    ("value", self.value),
                    ("kms_key_id", result.kms_key_id),
                    ("api_key_id", result.api_key_id),
                    ("usage_plan_id", result.usage_plan_id),
                    ("issued_key_id", issued_key_id),
                    ("kubernetes_secret", delivered.kubernetes_secret),
                    ("esc_environment", delivered.esc_environment),
                )
                if output is not None
            }
        )
