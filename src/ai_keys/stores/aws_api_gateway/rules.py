"""What an API Gateway key accepts (limits from the API Gateway API model and service quotas). Users write it
``issuer: {aws_api_gateway: {...}}``; :mod:`ai_keys.issuers.aws_api_gateway` hands it here as this store's args
(the block under ``api_gateway``, ``backend`` this store), and every refusal names the field as the user wrote it
(``issuer.aws_api_gateway...``).

An API Gateway key is an access token the gateway checks, not a secret store: it has no read policy, no
customer-managed encryption, no rotation, no replicas and no recovery window. Those options apply only
to the copy kept in Secrets Manager (``backend: aws-secrets-manager``) and are refused otherwise, naming that
alternative.
"""

import dataclasses
import functools
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Optional

from ...errors import SecureApiKeyError
from ...rules import KeySpec
from ...rules import _checks as check
from ...rules.common import CommonSpec, parse_value, refuse_given, refuse_other_blocks
from ...rules.deploy_time import together_now_or_at_deploy
from ..aws_secrets_manager.rules import AwsSecretsManagerOptions, check_secrets_manager_fields, parse_aws_block

BLOCK = "api_gateway"
"""Where the issuer's translation puts the block in this store's args (never a field users write)."""
PATH = "issuer.aws_api_gateway"
"""Where users write the block: every refusal names its fields under this path."""
BLOCK_FIELDS = ("enabled", "customer_id", "usage_plan_id", "usage_plan", "value", "probe_path")
PLAN_FIELDS = ("name", "description", "throttle", "quota", "api_stages")
THROTTLE_FIELDS = ("rate_limit", "burst_limit")
QUOTA_FIELDS = ("limit", "period", "offset")
STAGE_FIELDS = ("api_id", "stage", "throttles")
METHOD_THROTTLE_FIELDS = ("path", "rate_limit", "burst_limit")

KEY_VALUE_MIN, KEY_VALUE_MAX = 20, 128
MAX_KEY_NAME = 1024
QUOTA_PERIODS = ("DAY", "WEEK", "MONTH")
MAX_QUOTA_LIMIT = 2**31 - 1  # the API's Integer is 32-bit
# The account-level limits (10,000 requests/s, burst 5,000 by default) can be raised, so a plan is bounded only by
# the API's types; the account limit still caps whatever a plan allows.
MAX_RATE_LIMIT = float(MAX_QUOTA_LIMIT)
MAX_BURST_LIMIT = MAX_QUOTA_LIMIT
# Ids API Gateway assigns are short lowercase alphanumerics; accept any alphanumerics to stay future-proof.
ID_PATTERN = r"[A-Za-z0-9]{1,128}"
STAGE_PATTERN = r"[A-Za-z0-9_-]{1,128}"
# "/{resource path}/{HTTP method}", e.g. "/completions/POST", "/v1/{model}/GET" or "/*/*" for every method.
METHOD_PATH_PATTERN = r"/(\S*/)?(GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS|ANY|\*)"
# A URL path (RFC 3986 pchar and '/', with percent-encoding), appended to a stage's invoke URL.
PROBE_PATH_PATTERN = r"/([A-Za-z0-9._~!$&'()*+,;=:@/-]|%[0-9A-Fa-f]{2})*"
PROBE_PATH_RULE = "a path on the stage starting with '/', e.g. '/' or '/v1/models' (letters, digits, -._~!$&'()*+,;=:@/ and %XX)"
DEFAULT_PROBE_PATH = "/"
_ALNUM = re.compile(r"[A-Za-z0-9]+")

KEEP_A_COPY = "set backend: aws-secrets-manager to keep a copy of the key in Secrets Manager"
VALUE_FIELD = f"{PATH}.value"


def _refusals(keep_a_copy: str) -> dict[str, str]:
    return {
        "readers": f"{keep_a_copy}; readers may then read that copy (an API key has no read policy)",
        "rotation": f"{keep_a_copy}; the component then deploys a rotator beside it that issues each new API key",
        "encryption": f"{keep_a_copy}, which is then encrypted with that key (API Gateway has no customer keys)",
        "replica_regions": f"{keep_a_copy}, which is then replicated (API keys are regional)",
        "recovery_window_days": f"{keep_a_copy}; the window then applies to that copy (API keys have no recovery)",
    }


@dataclass(frozen=True)
class ThrottleSpec:
    """Steady request rate and burst."""

    rate_limit: float
    burst_limit: int


@dataclass(frozen=True)
class QuotaSpec:
    """Requests allowed per period."""

    limit: int
    period: str
    offset: Optional[int] = None


@dataclass(frozen=True)
class MethodThrottleSpec:
    """Throttling of one method of a stage."""

    path: str
    throttle: ThrottleSpec


@dataclass(frozen=True)
class ApiStageSpec:
    """A stage the usage plan gives access to; ``api_id`` and ``stage`` may be Outputs."""

    api_id: Any
    stage: Any
    throttles: tuple[MethodThrottleSpec, ...] = ()


@dataclass(frozen=True)
class UsagePlanSpec:
    """A usage plan the component creates."""

    name: Optional[str]
    description: Optional[str]
    throttle: Optional[ThrottleSpec]
    quota: Optional[QuotaSpec]
    api_stages: tuple[ApiStageSpec, ...]


@dataclass(frozen=True)
class ApiGatewayOptions:
    """Resolved settings of an API Gateway key. Exactly one of ``usage_plan_id`` and ``usage_plan`` is set;
    ``secrets_manager`` is set when the key is also stored in Secrets Manager."""

    enabled: bool
    customer_id: Optional[Any]
    usage_plan_id: Optional[Any]
    usage_plan: Optional[UsagePlanSpec]
    secrets_manager: Optional[AwsSecretsManagerOptions]
    value: Optional[Any] = dataclasses.field(default=None, repr=False)  # never shown, even in a debugger's repr
    """The key value the user brought (``issuer.aws_api_gateway.value``), or None for one AWS generates."""
    probe_path: str = DEFAULT_PROBE_PATH
    """With a managed rotation: the path on the plan's first stage the rotator calls with a new key until the
    gateway accepts it."""

    @property
    def store_in_secrets_manager(self) -> bool:
        return self.secrets_manager is not None


def options_of(spec: KeySpec) -> ApiGatewayOptions:
    """This store's options in ``spec``: what :func:`validate` returned."""
    options = spec.store_options
    assert isinstance(options, ApiGatewayOptions)  # build_spec pairs every spec with its own store's options
    return options


def check_key_value(value: str, field: str = VALUE_FIELD) -> str:
    """API key value rule (20-128 letters and digits). Messages give the length, never the value."""
    allowed = (
        f"{KEY_VALUE_MIN}-{KEY_VALUE_MAX} letters and digits (A-Z, a-z, 0-9), or leave value out to let AWS generate the key"
    )
    if not KEY_VALUE_MIN <= len(value) <= KEY_VALUE_MAX:
        raise SecureApiKeyError(field, f"has {len(value)} characters", allowed)
    if _ALNUM.fullmatch(value) is None:
        raise SecureApiKeyError(field, "contains characters other than letters and digits", allowed)
    return value


def _throttle(path: str, raw: Any) -> ThrottleSpec:
    block = check.mapping(path, raw)
    check.known_keys(path, block, THROTTLE_FIELDS)
    throttle = ThrottleSpec(
        rate_limit=check.number(
            f"{path}.rate_limit",
            _required(path, block, "rate_limit", f"requests per second, 0 to {MAX_RATE_LIMIT:g}"),
            0,
            MAX_RATE_LIMIT,
        ),
        burst_limit=check.integer(
            f"{path}.burst_limit",
            _required(path, block, "burst_limit", f"a burst of 0 to {MAX_BURST_LIMIT} requests"),
            0,
            MAX_BURST_LIMIT,
        ),
    )
    # API Gateway takes 0 and then answers 429 to every request: a key that can never be used.
    for field_name, limit in (("rate_limit", throttle.rate_limit), ("burst_limit", throttle.burst_limit)):
        if limit == 0:
            raise SecureApiKeyError(
                f"{path}.{field_name}",
                "is 0, which makes API Gateway refuse every request made with the key",
                f"a positive limit; to stop a client, set {PATH}.enabled: false",
            )
    return throttle


def _quota(path: str, raw: Any) -> QuotaSpec:
    block = check.mapping(path, raw)
    check.known_keys(path, block, QUOTA_FIELDS)
    limit = check.integer(
        f"{path}.limit", _required(path, block, "limit", "the number of requests per period, >= 1"), 1, MAX_QUOTA_LIMIT
    )
    period = check.choice(f"{path}.period", _required(path, block, "period", ", ".join(QUOTA_PERIODS)), QUOTA_PERIODS)
    offset: Optional[int] = None
    if block.get("offset") is not None:
        if period == "DAY":
            raise SecureApiKeyError(
                f"{path}.offset", "is not allowed with period DAY", "leave offset out, or use period WEEK or MONTH"
            )
        offset = check.integer(f"{path}.offset", block["offset"], 0)
        if offset >= limit:
            raise SecureApiKeyError(f"{path}.offset", f"is {offset}, not below the limit {limit}", f"0 to {limit - 1}")
    return QuotaSpec(limit=limit, period=period, offset=offset)


def _method_throttle(path: str, raw: Any) -> MethodThrottleSpec:
    block = check.mapping(path, raw)
    check.known_keys(path, block, METHOD_THROTTLE_FIELDS)
    method_path = check.text(
        f"{path}.path",
        _required(path, block, "path", "'/RESOURCE/METHOD' such as '/completions/POST'"),
        pattern=METHOD_PATH_PATTERN,
        max_len=1024,
        allowed="'/RESOURCE/METHOD' such as '/completions/POST', or '/*/*' for every method",
    )
    throttle = _throttle(path, {k: v for k, v in block.items() if k != "path"})
    return MethodThrottleSpec(path=method_path, throttle=throttle)


def _api_stage(path: str, raw: Any) -> ApiStageSpec:
    block = check.mapping(path, raw)
    check.known_keys(path, block, STAGE_FIELDS)
    api_id = check.input_str(
        f"{path}.api_id",
        _required(path, block, "api_id", "a REST API id"),
        pattern=ID_PATTERN,
        allowed="a REST API id, e.g. rest_api.id",
    )
    stage = check.input_str(
        f"{path}.stage",
        _required(path, block, "stage", "a stage name"),
        pattern=STAGE_PATTERN,
        allowed="a stage name such as prod",
    )
    raw_throttles = check.sequence(f"{path}.throttles", block.get("throttles") or [], max_items=100)
    throttles = tuple(_method_throttle(f"{path}.throttles[{i}]", item) for i, item in enumerate(raw_throttles))
    check.no_duplicates(f"{path}.throttles", [t.path for t in throttles])
    return ApiStageSpec(api_id=api_id, stage=stage, throttles=throttles)


def _each_stage_once(path: str, stages: list[ApiStageSpec]) -> tuple[ApiStageSpec, ...]:
    """The stages, each once: judged now when known, and once their Outputs resolve when not (the stages whose ids
    are Outputs then wait for that verdict)."""
    flat = together_now_or_at_deploy(
        [part for stage in stages for part in (stage.api_id, stage.stage)], functools.partial(_no_stage_twice, path)
    )
    return tuple(
        dataclasses.replace(stage, api_id=flat[2 * index], stage=flat[2 * index + 1]) for index, stage in enumerate(stages)
    )


def _no_stage_twice(path: str, flat: list[Any]) -> None:
    seen: set[tuple[str, str]] = set()
    for index, (api_id, stage) in enumerate(zip(flat[::2], flat[1::2], strict=True)):
        if isinstance(api_id, str) and isinstance(stage, str):
            if (api_id, stage) in seen:
                raise SecureApiKeyError(
                    f"{path}.api_stages[{index}]", f"repeats stage {stage!r} of API {api_id!r}", "each stage once"
                )
            seen.add((api_id, stage))


def _usage_plan(raw: Any, block_path: str) -> UsagePlanSpec:
    path = f"{block_path}.usage_plan"
    block = check.mapping(path, raw)
    check.known_keys(path, block, PLAN_FIELDS)
    raw_stages = check.sequence(f"{path}.api_stages", block.get("api_stages") or [], max_items=200)
    if not raw_stages:
        raise SecureApiKeyError(
            f"{path}.api_stages",
            "is empty: a usage plan without API stages gives its keys access to nothing",
            "one or more {api_id, stage} entries",
        )
    stages = _each_stage_once(path, [_api_stage(f"{path}.api_stages[{i}]", item) for i, item in enumerate(raw_stages)])
    return UsagePlanSpec(
        name=check.text(f"{path}.name", block["name"], max_len=MAX_KEY_NAME) if block.get("name") is not None else None,
        description=check.text(f"{path}.description", block["description"], max_len=2048)
        if block.get("description") is not None
        else None,
        throttle=_throttle(f"{path}.throttle", block["throttle"]) if block.get("throttle") is not None else None,
        quota=_quota(f"{path}.quota", block["quota"]) if block.get("quota") is not None else None,
        api_stages=stages,
    )


def _required(path: str, block: Mapping[str, Any], key: str, allowed: str) -> Any:
    if block.get(key) is None:
        raise SecureApiKeyError(f"{path}.{key}", "is required", allowed)
    return block[key]


def _plan_choice(block: Mapping[str, Any], block_path: str) -> tuple[Optional[Any], Optional[UsagePlanSpec]]:
    plan_id = block.get("usage_plan_id")
    plan = block.get("usage_plan")
    if plan_id is not None and plan is not None:
        raise SecureApiKeyError(
            f"{block_path}.usage_plan_id",
            f"cannot be combined with {block_path}.usage_plan",
            "either an existing plan's id or a usage_plan block to create one",
        )
    if plan_id is None and plan is None:
        raise SecureApiKeyError(
            f"{block_path}.usage_plan",
            "is required: a key outside any usage plan cannot be used on any API stage",
            f"{block_path}.usage_plan (create a plan with throttle, quota and API stages) or "
            f"{block_path}.usage_plan_id (an existing plan)",
        )
    if plan_id is not None:
        checked_id = check.input_str(
            f"{block_path}.usage_plan_id", plan_id, pattern=ID_PATTERN, allowed="a usage plan id such as 'a1b2c3'"
        )
        return checked_id, None
    return None, _usage_plan(plan, block_path)


def _check_key_fields(common: CommonSpec) -> None:
    if common.name is not None:
        check.text("name", common.name, max_len=MAX_KEY_NAME, allowed=f"an API key name of 1-{MAX_KEY_NAME} characters")
    for key in common.tags:
        if key.lower().startswith("aws:"):
            raise SecureApiKeyError(f"tags.{key}", "uses the reserved prefix 'aws:'", "tag keys not starting with aws:")


def validate(common: CommonSpec, args: Mapping[str, Any], *, stored: bool = False) -> ApiGatewayOptions:
    """Judge ``args`` (the issuer's translation: the block under ``api_gateway``) for the API Gateway key; every
    refusal names the field path as the user wrote it (``issuer.aws_api_gateway...``). ``stored`` says a copy is
    kept in Secrets Manager (the user wrote ``backend: aws-secrets-manager``)."""
    path = PATH
    refuse_other_blocks(common, args, accepted=(BLOCK, "aws"))
    block = check.mapping(path, args.get(BLOCK) or {})
    check.known_keys(path, block, BLOCK_FIELDS)
    if not stored:
        refuse_given(common, _refusals(KEEP_A_COPY))
        if args.get("aws") is not None:
            raise SecureApiKeyError("aws", "only applies to the Secrets Manager copy of the key", KEEP_A_COPY)
        if args.get("deletion_protection") is True:
            # The default stays accepted; asking for it outright is asking for something an API key cannot have.
            raise SecureApiKeyError(
                "deletion_protection",
                "cannot be honoured by an API key alone: a deleted API key cannot be recovered",
                f"{KEEP_A_COPY} (a recovery window then guards that copy), or the protect resource option "
                "on the component to stop Pulumi deleting the key",
            )
    value = parse_value(block.get("value"), VALUE_FIELD)
    if isinstance(value, str):
        check_key_value(value)
    _check_key_fields(common)
    enabled = check.boolean(f"{path}.enabled", block.get("enabled", True))
    customer_id = (
        check.input_str(f"{path}.customer_id", block["customer_id"], max_len=1024, allowed="an AWS Marketplace customer id")
        if block.get("customer_id") is not None
        else None
    )
    plan_id, plan = _plan_choice(block, path)
    probe_path = _managed_rotation(common, block, path, plan_id, plan)
    secrets_manager: Optional[AwsSecretsManagerOptions] = None
    if stored:
        window = check_secrets_manager_fields(common)
        secrets_manager = AwsSecretsManagerOptions(
            recovery_window_days=window, force_overwrite_replica_secret=parse_aws_block(args)
        )
    return ApiGatewayOptions(
        enabled=enabled,
        customer_id=customer_id,
        usage_plan_id=plan_id,
        usage_plan=plan,
        secrets_manager=secrets_manager,
        value=value,
        probe_path=probe_path,
    )


def _managed_rotation(
    common: CommonSpec, block: Mapping[str, Any], path: str, plan_id: Optional[Any], plan: Optional[UsagePlanSpec]
) -> str:
    """The probe path; with a managed rotation, a plan whose first stage the rotator can probe new keys on."""
    managed = common.rotation is not None and common.rotation.managed
    raw = block.get("probe_path")
    if raw is not None and not managed:
        raise SecureApiKeyError(
            f"{path}.probe_path",
            "only applies to a rotated key: the rotator probes each new key on it",
            "leave it out, or add rotation.every_days (with backend: aws-secrets-manager, and no value)",
        )
    probe_path = (
        check.text(f"{path}.probe_path", raw, pattern=PROBE_PATH_PATTERN, max_len=1024, allowed=PROBE_PATH_RULE)
        if raw is not None
        else DEFAULT_PROBE_PATH
    )
    if not managed:
        return probe_path
    if plan_id is not None:
        raise SecureApiKeyError(
            f"{path}.usage_plan_id",
            "cannot be combined with rotation: the rotator probes each new key on a stage of the plan, and the stages of "
            "an existing plan are not known here",
            f"{path}.usage_plan (a plan the component creates, with its api_stages), or leave rotation out",
        )
    if plan is None or not plan.api_stages:
        raise SecureApiKeyError(
            f"{path}.usage_plan.api_stages",
            "is required with rotation: the rotator probes each new key on the plan's first stage before storing it",
            "at least one stage, e.g. [{'api_id': api.id, 'stage': 'prod'}]",
        )
    return probe_path
