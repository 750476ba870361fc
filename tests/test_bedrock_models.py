"""The Bedrock issuer's `models`: global cross-region inference, the partition and region rules, and what the key's
IAM user may do. Every rule is checked on known ARNs before anything is registered, and on the same ARNs given as
Outputs once they resolve, with the same message.

Global cross-region inference (https://docs.aws.amazon.com/bedrock/latest/userguide/global-cross-region-inference.html)
is authorised on three resources: the global profile in the source region
(``arn:aws:bedrock:REGION:ACCOUNT:inference-profile/global.MODEL``), the model in that region
(``arn:aws:bedrock:REGION::foundation-model/MODEL``) and the region-less model
(``arn:aws:bedrock:::foundation-model/MODEL``), which stands for every destination region.
"""

import json
from collections.abc import Callable
from typing import Any

import pulumi
import pytest

from ai_keys import DeployTimeError, SecureApiKey, SecureApiKeyError
from ai_keys.testing import MockEngine, mock_pulumi

ACCOUNT = "123456789012"
MODEL_ID = "anthropic.claude-sonnet-4-5-20250929-v1:0"
GLOBAL_PROFILE = f"arn:aws:bedrock:us-east-1:{ACCOUNT}:inference-profile/global.{MODEL_ID}"
REGIONAL_MODEL = f"arn:aws:bedrock:us-east-1::foundation-model/{MODEL_ID}"
REGIONLESS_MODEL = f"arn:aws:bedrock:::foundation-model/{MODEL_ID}"
GLOBAL = [GLOBAL_PROFILE, REGIONAL_MODEL, REGIONLESS_MODEL]
US_PROFILE = f"arn:aws:bedrock:us-east-1:{ACCOUNT}:inference-profile/us.{MODEL_ID}"
USER = "aws:iam/user:User"
POLICY = "aws:iam/userPolicy:UserPolicy"
CREDENTIAL = "aws:iam/serviceSpecificCredential:ServiceSpecificCredential"


def program(models: list[Any]) -> Callable[[], Any]:
    args: dict[str, Any] = {"backend": "aws-secrets-manager", "issuer": {"bedrock": {"models": models}}}
    return lambda: SecureApiKey("ai", args)  # type: ignore[arg-type]


def outputs(models: list[Any]) -> list[Any]:
    """The same ARNs, known only at deploy time."""
    return [pulumi.Output.from_input(arn) for arn in models]


def granted(engine: MockEngine) -> list[str]:
    """The resources the key's IAM user may invoke."""
    statement = json.loads(engine.one(POLICY).plain("policy"))["Statement"][0]
    assert statement["Action"] == ["bedrock:InvokeModel", "bedrock:InvokeModelWithResponseStream"]
    resources: list[str] = statement["Resource"]
    return resources


def refusal_now(models: list[Any]) -> SecureApiKeyError:
    with mock_pulumi() as engine, pytest.raises(SecureApiKeyError) as refused:
        engine.run(program(models))
    assert not isinstance(refused.value, DeployTimeError)
    assert engine.resources == []
    return refused.value


def refusal_at_deploy(models: list[Any], engine: MockEngine) -> DeployTimeError:
    with pytest.raises(DeployTimeError) as refused:
        engine.run(program(models))
    assert engine.find(CREDENTIAL) == []  # no key is issued for a refused list
    return refused.value


# ------------------------------------------------------------------------------------------ accepted
@pytest.mark.parametrize(
    "models",
    [
        pytest.param([REGIONLESS_MODEL], id="region-less foundation model"),
        pytest.param(GLOBAL, id="global profile with both of its model's ARNs"),
        pytest.param([US_PROFILE, REGIONAL_MODEL, f"arn:aws:bedrock:us-west-2::foundation-model/{MODEL_ID}"], id="geo"),
        pytest.param(
            [
                f"arn:aws-us-gov:bedrock:::foundation-model/{MODEL_ID}",
                "arn:aws-us-gov:bedrock:us-gov-west-1::foundation-model/x",
            ],
            id="region-less in another partition",
        ),
    ],
)
@pytest.mark.parametrize("known", [True, False], ids=["known", "outputs"])
def test_the_key_may_invoke_exactly_the_models_listed(models: list[str], known: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    with mock_pulumi() as engine:
        if models[0].startswith("arn:aws-us-gov:"):
            in_region(engine, monkeypatch, "us-gov-west-1")
        engine.run(program(models if known else outputs(models)))
        assert granted(engine) == models
        assert engine.one(CREDENTIAL).plain("serviceName") == "bedrock.amazonaws.com"


def test_global_profile_arns_given_partly_as_outputs_are_judged_together_once_known() -> None:
    with mock_pulumi() as engine:
        engine.run(
            program([GLOBAL_PROFILE, pulumi.Output.from_input(REGIONAL_MODEL), pulumi.Output.from_input(REGIONLESS_MODEL)])
        )
        assert granted(engine) == GLOBAL


# ------------------------------------------------------------------------------------------ refused
MALFORMED = [
    pytest.param(
        f"arn:aws:bedrock::{ACCOUNT}:inference-profile/global.{MODEL_ID}",
        "lacks the region every inference-profile",
        id="profile without region",
    ),
    pytest.param(
        f"arn:aws:bedrock:::inference-profile/global.{MODEL_ID}", "lacks the region", id="profile without region or account"
    ),
    pytest.param(
        f"arn:aws:bedrock:::custom-model/{MODEL_ID}", "lacks the region every custom-model", id="custom model without region"
    ),
    pytest.param(
        f"arn:aws:bedrock::{ACCOUNT}:foundation-model/{MODEL_ID}", "has an account id", id="region-less model with account"
    ),
    pytest.param(f"arn:aws:bedrock::::foundation-model/{MODEL_ID}", "is not a Bedrock model ARN", id="extra colon"),
    pytest.param(f"arn:aws:bedrock:us-east::foundation-model/{MODEL_ID}", "is not a Bedrock model ARN", id="bad region"),
    pytest.param("arn:aws:bedrock:::foundation-model/", "is not a Bedrock model ARN", id="no model id"),
    pytest.param("arn:aws:bedrock:::foundation-model/*", "is a wildcard", id="wildcard"),
    pytest.param(f"arn:aws:bedrock-mantle:us-east-1:{ACCOUNT}:project/default", "is not a Bedrock model ARN", id="mantle"),
]


@pytest.mark.parametrize(("arn", "message"), MALFORMED)
def test_a_malformed_arn_is_refused_now_and_at_deploy_with_the_same_message(arn: str, message: str) -> None:
    now = refusal_now([REGIONAL_MODEL, arn])
    assert now.field == "issuer.bedrock.models[1]"
    assert message in str(now)
    # The region-less form is named as allowed (a wildcard gets the pointer to allow_all_models instead).
    assert ("allow_all_models" if arn.endswith("*") else "arn:aws:bedrock:::foundation-model/ID") in now.allowed
    with mock_pulumi() as engine:
        later = refusal_at_deploy([REGIONAL_MODEL, pulumi.Output.from_input(arn)], engine)
    assert later.field == now.field
    assert str(later.error) == str(now)


LIST_RULES = [
    pytest.param([GLOBAL_PROFILE], [REGIONAL_MODEL, REGIONLESS_MODEL], 0, id="global profile alone"),
    pytest.param([GLOBAL_PROFILE, REGIONAL_MODEL], [REGIONLESS_MODEL], 0, id="without the region-less model"),
    pytest.param([REGIONLESS_MODEL, GLOBAL_PROFILE], [REGIONAL_MODEL], 1, id="without the regional model"),
]


@pytest.mark.parametrize(("models", "missing", "index"), LIST_RULES)
def test_a_global_profile_without_its_models_arns_is_refused_naming_them(
    models: list[str], missing: list[str], index: int
) -> None:
    """Every call through the profile would be refused (AccessDenied) without them; the key would be useless."""
    now = refusal_now(models)
    assert now.field == f"issuer.bedrock.models[{index}]"
    assert "is a global inference profile, but models lacks" in str(now)
    assert all(arn in str(now) for arn in missing)
    assert all(arn not in str(now).split("lacks", 1)[1] for arn in set(GLOBAL) - set(missing) - {GLOBAL_PROFILE})
    with mock_pulumi() as engine:
        later = refusal_at_deploy(outputs(models), engine)
    assert later.field == now.field
    assert str(later.error) == str(now)


@pytest.mark.parametrize(
    "models",
    [
        pytest.param([REGIONLESS_MODEL, f"arn:aws-cn:bedrock:cn-north-1::foundation-model/{MODEL_ID}"], id="aws and aws-cn"),
        pytest.param([REGIONAL_MODEL, f"arn:aws-us-gov:bedrock:::foundation-model/{MODEL_ID}"], id="region-less us-gov"),
    ],
)
def test_models_of_two_partitions_are_refused_now_and_at_deploy(models: list[str]) -> None:
    now = refusal_now(models)
    assert now.field == "issuer.bedrock.models"
    assert "mixes partitions" in str(now)
    with mock_pulumi() as engine:
        later = refusal_at_deploy(outputs(models), engine)
    assert later.field == now.field
    assert str(later.error) == str(now)


def test_a_model_listed_twice_is_refused_at_deploy_with_its_position() -> None:
    now = refusal_now([REGIONLESS_MODEL, REGIONAL_MODEL, REGIONLESS_MODEL])
    assert now.field == "issuer.bedrock.models[2]"
    with mock_pulumi() as engine:
        later = refusal_at_deploy(
            [REGIONLESS_MODEL, pulumi.Output.from_input(REGIONAL_MODEL), pulumi.Output.from_input(REGIONLESS_MODEL)], engine
        )
    assert later.field == now.field
    assert str(later.error) == str(now)


# ------------------------------------------------------------------------------------------ provider's region
def in_region(engine: MockEngine, monkeypatch: pytest.MonkeyPatch, region: str) -> None:
    """The provider's region, as `aws.get_region` reports it."""
    answer = engine.mocks.call

    def call(args: Any) -> Any:
        result, failures = answer(args)
        if args.token == "aws:index/getRegion:getRegion":
            result = {**result, "id": region, "name": region, "region": region}
        return result, failures

    monkeypatch.setattr(engine.mocks, "call", call)


@pytest.mark.parametrize(
    ("region", "models", "index", "message"),
    [
        pytest.param(
            "cn-north-1",
            [REGIONLESS_MODEL],
            0,
            "is in partition aws, but the key is made and used in cn-north-1 (partition aws-cn)",
            id="region-less aws model in China",
        ),
        pytest.param(
            "us-east-1",
            [f"arn:aws-cn:bedrock:::foundation-model/{MODEL_ID}"],
            0,
            "is in partition aws-cn, but the key is made and used in us-east-1 (partition aws)",
            id="region-less China model in us-east-1",
        ),
        pytest.param(
            "us-gov-west-1",
            [f"arn:aws:bedrock:us-east-1::foundation-model/{MODEL_ID}"],
            0,
            "is in partition aws, but the key is made and used in us-gov-west-1 (partition aws-us-gov)",
            id="regional model of another partition",
        ),
        pytest.param(
            "eu-west-1",
            GLOBAL,
            0,
            "is an inference-profile in us-east-1, but the key is made and used in eu-west-1",
            id="global profile of another source region",
        ),
    ],
)
def test_models_are_judged_against_the_providers_region_and_partition(
    region: str, models: list[str], index: int, message: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    with mock_pulumi() as engine:
        in_region(engine, monkeypatch, region)
        refused = refusal_at_deploy(models, engine)
    assert refused.field == f"issuer.bedrock.models[{index}]"
    assert message in str(refused)


def test_the_european_sovereign_cloud_has_its_own_partition(monkeypatch: pytest.MonkeyPatch) -> None:
    models = [
        f"arn:aws-eusc:bedrock:eusc-de-east-1::foundation-model/{MODEL_ID}",
        f"arn:aws-eusc:bedrock:::foundation-model/{MODEL_ID}",
    ]
    with mock_pulumi() as engine:
        in_region(engine, monkeypatch, "eusc-de-east-1")
        engine.run(program(models))
        assert granted(engine) == models


def test_a_provider_in_a_partition_without_known_bedrock_arns_is_refused_saying_so(monkeypatch: pytest.MonkeyPatch) -> None:
    with mock_pulumi() as engine:
        in_region(engine, monkeypatch, "us-iso-east-1")
        refused = refusal_at_deploy([REGIONAL_MODEL], engine)
    assert refused.field == "issuer.bedrock.models[0]"
    assert "(partition aws-iso)" in str(refused)
    assert refused.allowed.startswith("a provider in a region of the aws, aws-cn, aws-us-gov, aws-eusc partitions")


def test_a_region_less_model_has_no_region_to_compare(monkeypatch: pytest.MonkeyPatch) -> None:
    with mock_pulumi() as engine:
        in_region(engine, monkeypatch, "ap-southeast-2")
        engine.run(program([REGIONLESS_MODEL, f"arn:aws:bedrock:eu-west-1::foundation-model/{MODEL_ID}"]))
        assert granted(engine) == [REGIONLESS_MODEL, f"arn:aws:bedrock:eu-west-1::foundation-model/{MODEL_ID}"]


# ------------------------------------------------------------------------------------------ the IAM user
def test_the_key_gets_no_bedrock_mantle_action() -> None:
    """`bedrock-mantle:CreateInference` is authorised on a project, not a model: granting it would let the key call
    any model the project serves. The OpenAI-compatible APIs on bedrock-runtime keep the model list."""
    with mock_pulumi() as engine:
        engine.run(program([REGIONAL_MODEL]))
        statements = json.loads(engine.one(POLICY).plain("policy"))["Statement"]
    actions: list[str] = []
    for statement in statements:
        actions += [statement["Action"]] if isinstance(statement["Action"], str) else statement["Action"]
    assert [action for action in actions if not action.startswith("bedrock:")] == []
    assert [statement["Action"] for statement in statements] == [
        ["bedrock:InvokeModel", "bedrock:InvokeModelWithResponseStream"],
        "bedrock:CallWithBearerToken",
    ]


def test_the_user_can_be_deleted_with_credentials_added_outside_the_stack() -> None:
    """DeleteUser fails with DeleteConflict while the user holds any access key or service-specific credential;
    by then the stack has already deleted the user's policy, so such a credential can invoke nothing."""
    with mock_pulumi() as engine:
        engine.run(program([REGIONAL_MODEL]))
        user = engine.one(USER)
    assert user.plain("forceDestroy") is True
    assert user.plain("path") == "/ai-keys/bedrock/"
