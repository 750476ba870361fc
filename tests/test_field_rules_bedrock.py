"""The Bedrock issuer's `models` against IAM's size limit: the key's user holds one inline policy naming every model,
and IAM refuses a user's inline policies past 2,048 characters (whitespace not counted). Too many models are refused
before anything is registered, and the same list given as Outputs is refused with the same message once it resolves,
before the user's policy or its key exist."""

import json
from typing import Any

import pytest

from ai_keys import DeployTimeError, SecureApiKey, SecureApiKeyError
from ai_keys.issuers import bedrock
from ai_keys.testing import mock_pulumi

from .scenarios import Out, with_outputs

MODEL = "arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-sonnet-4-5-20250929-v{}:0"
POLICY = "aws:iam/userPolicy:UserPolicy"


def models(count: int) -> list[str]:
    return [MODEL.format(index) for index in range(count)]


def key_args(arns: list[Any]) -> dict[str, Any]:
    return {"backend": "aws-secrets-manager", "issuer": {"bedrock": {"models": arns}}}


def policy_size(arns: list[str]) -> int:
    """What IAM counts: the policy's characters other than whitespace."""
    return sum(not ch.isspace() for ch in json.dumps(bedrock.invoke_policy(arns, allow_all=False)))


def largest_list() -> int:
    count = 1
    while policy_size(models(count + 1)) <= bedrock.MAX_USER_POLICY_CHARS:
        count += 1
    return count


def test_as_many_models_as_iam_takes_make_one_policy_of_at_most_its_limit() -> None:
    arns = models(largest_list())
    with mock_pulumi() as engine:
        engine.run(lambda: SecureApiKey("ai", key_args(arns)))  # type: ignore[arg-type]
        document = engine.one(POLICY).plain("policy")
    assert json.loads(document)["Statement"][0]["Resource"] == arns
    assert sum(not ch.isspace() for ch in document) <= bedrock.MAX_USER_POLICY_CHARS


def test_one_model_more_is_refused_before_anything_is_registered() -> None:
    arns = models(largest_list() + 1)
    with mock_pulumi() as engine, pytest.raises(SecureApiKeyError) as refused:
        engine.run(lambda: SecureApiKey("ai", key_args(arns)))  # type: ignore[arg-type]
    assert engine.resources == []
    assert refused.value.field == "issuer.bedrock.models"
    assert f"lists {len(arns)} models, whose invoke policy has {policy_size(arns)} characters" in str(refused.value)
    assert "over IAM's limit of 2,048 for the inline policies of a user" in str(refused.value)
    assert "allow_all_models: true" in refused.value.allowed


def test_the_same_models_as_outputs_are_refused_at_deploy_with_the_same_message() -> None:
    arns = models(largest_list() + 1)
    with mock_pulumi() as engine, pytest.raises(SecureApiKeyError) as now:
        engine.run(lambda: SecureApiKey("ai", key_args(arns)))  # type: ignore[arg-type]
    with mock_pulumi() as engine, pytest.raises(DeployTimeError) as later:
        engine.run(lambda: SecureApiKey("ai", with_outputs(key_args([arns[0], *map(Out, arns[1:])]))))
    # The user names no model and holds nothing yet; its policy and its key wait for the verdict.
    assert engine.find(POLICY) == []
    assert engine.find("aws:iam/serviceSpecificCredential:ServiceSpecificCredential") == []
    assert later.value.field == now.value.field
    assert str(later.value.error) == str(now.value)


def test_allow_all_models_is_one_short_policy() -> None:
    with mock_pulumi() as engine:
        engine.run(
            lambda: SecureApiKey("ai", {"backend": "aws-secrets-manager", "issuer": {"bedrock": {"allow_all_models": True}}})
        )
        statement = json.loads(engine.one(POLICY).plain("policy"))["Statement"][0]
    assert statement["Resource"] == ["*"]
