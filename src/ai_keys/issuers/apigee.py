"""The ``apigee`` issuer: an Apigee consumer key (API key) for a client of your own AI service, from a developer app
on an API product whose quota limits the calls each app makes.

Registers the developer (``developer``) or uses an existing one (``developer_email``), the API product with its
quota (``product``) or an existing one (``product_name``), and a developer app on that product alone. The app's
credential holds the consumer key: pulumi-gcp marks neither the ``credentials`` output nor the key in it as secret,
so the app lists ``credentials`` in ``additional_secret_outputs`` (the consumer secret in it included) and the key is
wrapped as a secret at once. Only the consumer key is stored; clients send it (``x-apikey`` or as the proxy's
VerifyAPIKey policy reads it).

The product's quota is counted by a Quota policy in your proxy (``<UseQuotaConfigInAPIProduct>``), and the LLM token
quota by the LLMTokenQuota and PromptTokenLimit policies: both live in the proxy bundle, which pulumi-gcp takes as a
zip (``gcp.apigee.Api``) and does not generate; the component makes neither.

Apigee cannot move an app's existing key to another product: ``developers.apps.update`` adds a product by issuing
a second credential, and the first keeps the old product
(https://cloud.google.com/apigee/docs/reference/apis/apigee/rest/v1/organizations.developers.apps/update). So a new
product, developer or organization is a new app (``<app_name>-<8 hex>``, the suffix new for each), made and stored
before the old app is deleted.
"""

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Callable, Optional

import pulumi

from ..errors import SecureApiKeyError
from ..rules import RotationSpec
from ..rules import _checks as check
from ..rules.deploy_time import at_deploy
from . import IssuedKey, ManagedRotation
from ._google_api_keys import issued_moment, stack_scope

EXTRA, SDK = "gcp", "pulumi_gcp"
ROTATION = ManagedRotation(
    unmanaged="no rotator makes Apigee keys. An app can hold two credentials: add a second key to the app "
    "(developers.apps.keys.create, then keys.updateDeveloperAppKey to add the product), move clients to it, then "
    "delete the first; or replace the <name>-apigee-issued resource (pulumi up --replace), which makes a new app and "
    "key, stores it, then deletes the old app"
)
"""No store rotates Apigee keys: the refusal says how to make a new one by hand."""
FIELDS = ("org_id", "developer", "developer_email", "app_name", "callback_url", "product", "product_name")
DEVELOPER_FIELDS = ("email", "first_name", "last_name", "user_name")
PRODUCT_FIELDS = (
    "name",
    "display_name",
    "environments",
    "proxies",
    "operations",
    "quota",
    "quota_interval",
    "quota_time_unit",
)
OPERATION_FIELDS = ("proxy", "resource", "methods")
# Apigee names an organization after its Google Cloud project (https://cloud.google.com/apigee/docs/api-platform/get-started/create-org);
# the naming guidelines cap an organization name at 32 characters
# (https://cloud.google.com/apigee/docs/api-platform/reference/naming-guidelines).
ORG_PATTERN = r"organizations/[a-z]([a-z0-9-]{0,30}[a-z0-9])?"
ORG_RULE = "organizations/NAME, the Apigee organization (named after its Google Cloud project)"
# Developer email: lowercase only (pulumi-gcp apigee.Developer.email; Apigee hybrid's rule, kept for both).
EMAIL_PATTERN = r"[a-z0-9!#$%&'*+/=?^_`{|}~.-]+@[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+"
EMAIL_RULE = "a developer's email address, in lowercase"
# Developer user name, first and last name: at most 64, any character but line breaks (naming guidelines).
PERSON_PATTERN = r"[^\r\n]+"
PERSON_MAX = 64
# Developer app: letters, digits, space and _ - . # $ %, starting with a letter or digit (naming guidelines). Apigee
# lists no maximum; Apigee Edge's is 255 (https://docs.apigee.com/api-platform/reference/naming-guidelines), less
# the 9 characters of the suffix added here.
APP_PATTERN = r"[A-Za-z0-9][A-Za-z0-9 _.#$%-]*"
APP_RULE = "letters, digits, space and _ - . # $ %, starting with a letter or digit"
APP_MAX = 255 - 9
# API product name: pulumi-gcp / magic-modules ApiProduct.name validation ^[a-zA-Z][a-zA-Z0-9._\-$ %]*$; at most
# 100 characters, which Apigee counts as <org>@@@<display name> (naming guidelines, note 1).
PRODUCT_PATTERN = r"[A-Za-z][A-Za-z0-9._\-$ %]*"
PRODUCT_RULE = "letters, digits, space and . _ - $ %, starting with a letter"
PRODUCT_MAX = 100
# Environment name: at most 32, letters, digits, space and _ - . (naming guidelines).
ENV_PATTERN = r"[A-Za-z0-9 _.-]+"
ENV_MAX = 32
# Proxy name: letters, digits, space and special characters, at most 2048 (naming guidelines); the characters of a
# product name are the ones Apigee's own tools accept.
PROXY_PATTERN = r"[A-Za-z0-9][A-Za-z0-9._\-$ %]*"
PROXY_MAX = 2048
RESOURCE_PATTERN = r"/[A-Za-z0-9._~!$&'()*+,;=:@%/{}-]*"
RESOURCE_RULE = "a REST resource path under the proxy's base path, starting with '/', e.g. /v1/chat/completions"
HTTP_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS")
# The product's quota time unit: the Apigee API reference (GoogleCloudApigeeV1Quota.timeUnit, "Valid values include
# minute, hour, day, or month") is narrower than pulumi-gcp's docstring (which adds second and year): the narrower
# set, which the Quota policy's TimeUnit also takes
# (https://cloud.google.com/apigee/docs/reference/apis/apigee/rest/v1/organizations.apiproducts#Quota).
TIME_UNITS = ("minute", "hour", "day", "month")
QUOTA_MAX = 2**63 - 1
"""The API carries quota and interval as strings holding an int64."""
CALLBACK_PATTERN = r"https?://[^\s]+"
CALLBACK_RULE = "an https:// or http:// URL (an OAuth 2.0 redirect; leave it out for a key-only app)"


@dataclass(frozen=True)
class Developer:
    """A developer the component registers."""

    email: str
    first_name: str
    last_name: str
    user_name: str


@dataclass(frozen=True)
class Operation:
    """One proxy resource the product admits (one operation config: Apigee takes one resource per config)."""

    proxy: str
    resource: str
    methods: tuple[str, ...]


@dataclass(frozen=True)
class Product:
    """An API product the component creates."""

    name: str
    display_name: str
    environments: tuple[str, ...]
    proxies: tuple[str, ...]
    operations: tuple[Operation, ...]
    quota: Any
    quota_interval: Any
    quota_time_unit: Optional[str]


@dataclass(frozen=True)
class ApigeeOptions:
    """A validated ``issuer.apigee`` block."""

    org_id: Any
    developer: Optional[Developer]
    developer_email: Any
    app_name: str
    callback_url: str
    product: Optional[Product]
    product_name: Any


def validate(block: Mapping[str, Any], path: str) -> ApigeeOptions:
    """Check ``issuer.apigee``; every refusal names the field path. An Output gets the same rules once it resolves."""
    check.known_keys(path, block, FIELDS)
    if block.get("org_id") is None:
        raise SecureApiKeyError(f"{path}.org_id", "is required", ORG_RULE)
    org_id = check.input_str(f"{path}.org_id", block["org_id"], pattern=ORG_PATTERN, max_len=46, allowed=ORG_RULE)
    developer, developer_email = _developer(path, block)
    if block.get("app_name") is None:
        raise SecureApiKeyError(f"{path}.app_name", "is required", f"the developer app's name: {APP_RULE}")
    app_name = check.text(f"{path}.app_name", block["app_name"], pattern=APP_PATTERN, max_len=APP_MAX, allowed=APP_RULE)
    callback = block.get("callback_url")
    callback_url = (
        ""
        if callback is None
        else check.text(f"{path}.callback_url", callback, pattern=CALLBACK_PATTERN, max_len=2048, allowed=CALLBACK_RULE)
    )
    product, product_name = _product(path, block, org_id)
    return ApigeeOptions(org_id, developer, developer_email, app_name, callback_url, product, product_name)


def _one_of(path: str, block: Mapping[str, Any], made: str, existing: str) -> str:
    """Which of ``made`` (created here) and ``existing`` (named) the block gives: exactly one."""
    given = [name for name in (made, existing) if block.get(name) is not None]
    if len(given) != 1:
        problem = "names neither" if not given else "names both"
        raise SecureApiKeyError(
            f"{path}.{made}", f"{problem} {made} and {existing}", f"{made} (created here) or {existing} (one that exists)"
        )
    return given[0]


def _developer(path: str, block: Mapping[str, Any]) -> tuple[Optional[Developer], Any]:
    if _one_of(path, block, "developer", "developer_email") == "developer_email":
        return None, check.input_str(
            f"{path}.developer_email", block["developer_email"], pattern=EMAIL_PATTERN, max_len=254, allowed=EMAIL_RULE
        )
    where = f"{path}.developer"
    raw = check.mapping(where, block["developer"])
    check.known_keys(where, raw, DEVELOPER_FIELDS)
    email = check.text(f"{where}.email", raw.get("email"), pattern=EMAIL_PATTERN, max_len=254, allowed=EMAIL_RULE)
    names = [
        check.text(
            f"{where}.{field}",
            raw.get(field),
            pattern=PERSON_PATTERN,
            max_len=PERSON_MAX,
            allowed=f"1-{PERSON_MAX} characters, no line breaks",
        )
        for field in ("first_name", "last_name", "user_name")
    ]
    return Developer(email, *names), email


def _product(path: str, block: Mapping[str, Any], org_id: Any) -> tuple[Optional[Product], Any]:
    if _one_of(path, block, "product", "product_name") == "product_name":
        return None, check.input_str(
            f"{path}.product_name", block["product_name"], pattern=PRODUCT_PATTERN, max_len=PRODUCT_MAX, allowed=PRODUCT_RULE
        )
    where = f"{path}.product"
    raw = check.mapping(where, block["product"])
    check.known_keys(where, raw, PRODUCT_FIELDS)
    name = check.text(f"{where}.name", raw.get("name"), pattern=PRODUCT_PATTERN, max_len=PRODUCT_MAX, allowed=PRODUCT_RULE)
    display_name = raw.get("display_name", name)
    # Apigee counts <org>@@@<display name> against the 100 characters (naming guidelines, note 1).
    room = PRODUCT_MAX - 3 - (len(org_id) - len("organizations/") if isinstance(org_id, str) else 0)
    check.text(f"{where}.display_name", display_name, pattern=r"[^\r\n]+", max_len=room, allowed=f"1-{room} characters")
    environments = _names(f"{where}.environments", raw.get("environments"), ENV_PATTERN, ENV_MAX, "environments")
    proxies = tuple(raw.get("proxies") or ())
    operations: tuple[Operation, ...] = ()
    if raw.get("operations") is not None:
        if proxies:
            raise SecureApiKeyError(
                f"{where}.operations",
                "cannot be combined with proxies",
                "proxies (whole proxies) or operations (resources of them)",
            )
        ops = check.sequence(f"{where}.operations", raw["operations"])
        if not ops:
            raise SecureApiKeyError(f"{where}.operations", "is empty", "at least one {proxy, resource, methods?}")
        operations = tuple(_operation(f"{where}.operations[{i}]", op) for i, op in enumerate(ops))
    else:
        # With no proxy named, Apigee lets the product's apps call every API of the organization (API reference,
        # organizations.apiproducts.create: "WARNING").
        proxies = _names(f"{where}.proxies", raw.get("proxies"), PROXY_PATTERN, PROXY_MAX, "API proxies")
    quota, interval, unit = _quota(where, raw)
    return Product(name, display_name, environments, proxies, operations, quota, interval, unit), name


def _names(field: str, raw: Any, pattern: str, max_len: int, what: str) -> tuple[str, ...]:
    """A non-empty list of names, each once: a product with none admits every environment or proxy."""
    if raw is None or (isinstance(raw, Sequence) and not isinstance(raw, str) and len(raw) == 0):
        raise SecureApiKeyError(
            field, f"is required: a product with none admits all the organization's {what}", f"a list of {what}"
        )
    names = tuple(
        check.text(f"{field}[{i}]", item, pattern=pattern, max_len=max_len, allowed=f"{what}: at most {max_len} characters each")
        for i, item in enumerate(check.sequence(field, raw))
    )
    check.no_duplicates(field, names)
    return names


def _operation(field: str, raw: Any) -> Operation:
    op = check.mapping(field, raw)
    check.known_keys(field, op, OPERATION_FIELDS)
    proxy = check.text(f"{field}.proxy", op.get("proxy"), pattern=PROXY_PATTERN, max_len=PROXY_MAX, allowed="an API proxy name")
    resource = check.text(f"{field}.resource", op.get("resource"), pattern=RESOURCE_PATTERN, max_len=2048, allowed=RESOURCE_RULE)
    methods = tuple(
        check.choice(f"{field}.methods[{i}]", method, HTTP_METHODS)
        for i, method in enumerate(check.sequence(f"{field}.methods", op.get("methods") or []))
    )
    check.no_duplicates(f"{field}.methods", methods)
    return Operation(proxy, resource, methods)


def _quota(where: str, raw: Mapping[str, Any]) -> tuple[Any, Any, Optional[str]]:
    """``quota`` calls per ``quota_interval`` ``quota_time_unit``: all three, or none (no quota on the product)."""
    fields = ("quota", "quota_interval", "quota_time_unit")
    given = [f for f in fields if raw.get(f) is not None]
    if not given:
        return None, None, None
    for missing in (f for f in fields if f not in given):
        raise SecureApiKeyError(
            f"{where}.{missing}",
            f"is required with {where}.{given[0]}",
            "quota, quota_interval and quota_time_unit together (e.g. 1000 calls per 1 day), or none of them",
        )
    quota = _count(f"{where}.quota", raw["quota"])
    interval = _count(f"{where}.quota_interval", raw["quota_interval"])
    unit = check.choice(f"{where}.quota_time_unit", raw["quota_time_unit"], TIME_UNITS)
    return quota, interval, unit


def _count(field: str, value: Any) -> Any:
    """A positive int64, now or once an Output resolves; what the API takes (a string)."""

    def rule(resolved: Any) -> str:
        return str(check.integer(field, resolved, 1, QUOTA_MAX))

    if isinstance(value, pulumi.Output):
        return at_deploy(value, rule)
    return rule(value)


def app_name(base: str, scope: str, issued: str, product: str) -> str:
    """The developer app's name: ``<app_name>-<8 hex>``, the digest of the stack (``scope``), ``app_name``, the
    product and the moment of the issue, so a new issue (another product, developer or org) is a new name in every
    stack, and moving back to an earlier product too."""
    digest = hashlib.sha256("\x00".join((scope, base, product, issued)).encode()).hexdigest()[:8]
    return f"{base}-{digest}"


def issue(
    name: str,
    options: ApigeeOptions,
    tags: Mapping[str, str],
    parent: pulumi.Resource,
    depends_on: Sequence[pulumi.Resource] = (),
    rotation: Optional[RotationSpec] = None,
) -> IssuedKey:
    """The developer and the product (unless given) and the developer app on that product; the app's consumer key,
    a secret."""
    import pulumi_gcp as gcp

    child = pulumi.ResourceOptions(parent=parent)
    developer_email: Any = options.developer_email
    if options.developer is not None:
        dev = options.developer
        developer_email = gcp.apigee.Developer(
            f"{name}-apigee-developer",
            org_id=options.org_id,
            email=dev.email,
            first_name=dev.first_name,
            last_name=dev.last_name,
            user_name=dev.user_name,
            opts=child,
        ).email
    product_name: Any = options.product_name
    if options.product is not None:
        product_name = _api_product(gcp, name, options.org_id, options.product, child).name
    scope = stack_scope()
    # A new product, developer or org is a new app under a new name, made before the old one is deleted.
    issued = issued_moment(
        name, "apigee-issued", {"org_id": options.org_id, "developer": developer_email, "product": product_name}, parent
    )
    base = options.app_name
    app = gcp.apigee.DeveloperApp(
        f"{name}-apigee-app",
        org_id=options.org_id,
        developer_email=developer_email,
        name=pulumi.Output.all(issued, product_name).apply(lambda a: app_name(base, scope, str(a[0]), str(a[1]))),
        callback_url=options.callback_url,
        api_products=[product_name],
        opts=pulumi.ResourceOptions(
            parent=parent,
            # The consumer key and secret are in `credentials`, which the SDK leaves plain.
            additional_secret_outputs=["credentials"],
            # Apigee cannot rename an app, nor move its key to another product (module docstring): a new app.
            replace_on_changes=["name", "apiProducts"],
        ),
    )
    key: pulumi.Output[str] = pulumi.Output.secret(pulumi.Output.all(app.credentials, product_name).apply(_consumer_key))
    return IssuedKey(value=key, issued_key_id=app.id)


def _api_product(gcp: Any, name: str, org_id: Any, product: Product, opts: pulumi.ResourceOptions) -> Any:
    operation_group = None
    if product.operations:
        operation_group = gcp.apigee.ApiProductOperationGroupArgs(
            operation_config_type="proxy",
            operation_configs=[
                gcp.apigee.ApiProductOperationGroupOperationConfigArgs(
                    api_source=op.proxy,
                    operations=[
                        gcp.apigee.ApiProductOperationGroupOperationConfigOperationArgs(
                            resource=op.resource, methods=list(op.methods) or None
                        )
                    ],
                )
                for op in product.operations
            ],
        )
    return gcp.apigee.ApiProduct(
        f"{name}-apigee-product",
        org_id=org_id,
        name=product.name,
        display_name=product.display_name,
        # auto: the app's key is approved for the product at once (manual would leave it unusable until approved).
        approval_type="auto",
        environments=list(product.environments),
        proxies=list(product.proxies) or None,
        operation_group=operation_group,
        quota=product.quota,
        quota_interval=product.quota_interval,
        quota_time_unit=product.quota_time_unit,
        opts=opts,
    )


def _consumer_key(credentials_and_product: Sequence[Any]) -> str:
    """The consumer key of the app's credential for the product (an app made here has one)."""
    credentials, product = credentials_and_product
    entries = [dict(c) if isinstance(c, Mapping) else vars(c) for c in (credentials or [])]

    def products(entry: Mapping[str, Any]) -> list[str]:
        listed = entry.get("api_products") or entry.get("apiProducts") or []
        return [str((p if isinstance(p, Mapping) else vars(p)).get("apiproduct")) for p in listed]

    for entry in entries:
        key = entry.get("consumer_key") or entry.get("consumerKey")
        if key and product in products(entry):
            return str(key)
    for entry in entries:  # a preview or an API that lists no product on the credential
        key = entry.get("consumer_key") or entry.get("consumerKey")
        if key:
            return str(key)
    raise SecureApiKeyError(
        "issuer.apigee.app_name", "got an app with no credential from Apigee", "an app Apigee issued a key for"
    )


def _mock_developer(name: str, inputs: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    from ..testing.mock_clouds._ids import stable_uuid

    org = inputs.get("orgId")
    return f"{org}/developers/{inputs.get('email')}", {
        **inputs,
        "organizatioName": str(org).removeprefix("organizations/"),
        "status": "active",
        "createdAt": "1767225600000",
        "lastModifiedAt": "1767225600000",
        "developerId": stable_uuid("apigee-developer", name),
    }


def _mock_product(name: str, inputs: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    return f"{inputs.get('orgId')}/apiproducts/{inputs.get('name')}", {
        **inputs,
        "createdAt": "1767225600000",
        "lastModifiedAt": "1767225600000",
    }


def _mock_app(name: str, inputs: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """An app as Apigee returns it: one approved credential on the app's products. Apigee generates the key and
    secret as letters and digits (no prefix of its own)."""
    from ..testing.mock_clouds._ids import stable_alnum, stable_uuid

    app = inputs.get("name") or name
    products = list(inputs.get("apiProducts") or [])
    credential = {
        "consumerKey": stable_alnum("apigee-key", name, str(app), length=48),
        "consumerSecret": stable_alnum("apigee-secret", name, str(app), length=64),
        "apiProducts": [{"apiproduct": p, "status": "approved"} for p in products],
        "status": "approved",
        "issuedAt": "1767225600000",
        "expiresAt": "-1",
    }
    return f"{inputs.get('orgId')}/developers/{inputs.get('developerEmail')}/apps/{app}", {
        **inputs,
        "name": app,
        "appId": stable_uuid("apigee-app", name, str(app)),
        "developerId": stable_uuid("apigee-developer", str(inputs.get("developerEmail"))),
        "appFamily": "default",
        "status": "approved",
        "credentials": [credential],
        "createdAt": "1767225600000",
        "lastModifiedAt": "1767225600000",
    }


MOCK_OUTPUTS: Mapping[str, Callable[[str, dict[str, Any]], tuple[str, dict[str, Any]]]] = {
    "gcp:apigee/developer:Developer": _mock_developer,
    "gcp:apigee/apiProduct:ApiProduct": _mock_product,
    "gcp:apigee/developerApp:DeveloperApp": _mock_app,
}
MOCK_CALLS: Mapping[str, Callable[[dict[str, Any]], dict[str, Any]]] = {}
