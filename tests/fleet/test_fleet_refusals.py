"""Refusals the bad-input corpus (``tests/test_bad_input_corpus.py``, which holds one case per rule of both blocks and
the deploy-time twin of each) cannot express: a missing extra, an identity known only at deploy time, and names that
collide with the ones the component grants under."""

import sys
from typing import Any

import pulumi
import pytest

from ai_keys import BackendNotInstalledError, DeployTimeError, SecureApiKey, SecureApiKeyError
from ai_keys.testing import mock_pulumi

from ..conftest import CANARY
from .cases import AWS_SM, AZURE, GCP, KSA_PRINCIPAL, PRINCIPAL_ID, esc_block, key_args, kubernetes_block


@pytest.mark.parametrize(
    ("block", "sdk", "extra"),
    [("kubernetes", "pulumi_kubernetes", "k8s"), ("esc", "pulumi_pulumiservice", "esc")],
)
def test_a_block_without_its_sdk_is_refused_naming_the_extra(
    block: str, sdk: str, extra: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, sdk, None)  # how Python marks a module as not installed
    args = key_args(AWS_SM, **{block: kubernetes_block(AWS_SM) if block == "kubernetes" else esc_block(AWS_SM)})
    with mock_pulumi() as engine, pytest.raises(BackendNotInstalledError) as refused:
        engine.run(lambda: SecureApiKey("openai", args))  # type: ignore[arg-type]
    assert str(refused.value) == (
        f"SecureApiKey args.{block} needs the {sdk!r} package, which is not installed: run `pip install 'ai-keys[{extra}]'`"
    )
    assert refused.value.extra == extra
    assert engine.resources == []


def test_a_principal_of_another_service_account_known_only_at_deploy_time_is_refused_with_the_same_message() -> None:
    other = KSA_PRINCIPAL.replace("/sa/summarizer", "/sa/indexer")
    known = key_args(GCP, kubernetes=kubernetes_block(GCP, identity={"member": other}))
    with mock_pulumi() as engine, pytest.raises(SecureApiKeyError) as now:
        engine.run(lambda: SecureApiKey("openai", known))  # type: ignore[arg-type]

    def later() -> None:
        block = kubernetes_block(GCP, identity={"member": pulumi.Output.from_input(other)})
        SecureApiKey("openai", key_args(GCP, kubernetes=block))  # type: ignore[arg-type]

    with mock_pulumi() as engine, pytest.raises(DeployTimeError) as at_deploy:
        engine.run(later)
    assert str(now.value).startswith(
        "SecureApiKey args.kubernetes.identity.member: is the principal of service account inference/indexer, not of "
        "inference/summarizer"
    )
    assert str(at_deploy.value).startswith(str(now.value).replace("SecureApiKey args", "SecureApiKey 'openai' args", 1))
    assert at_deploy.value.field == "kubernetes.identity.member"
    # Nothing that would read as the wrong principal was registered: no grant, no manifest.
    assert engine.find("gcp:secretmanager/secretIamMember:SecretIamMember") == []
    assert [r for r in engine.resources if r.type.startswith("kubernetes:")] == []


@pytest.mark.parametrize(("block", "name"), [("kubernetes", "kubernetes"), ("esc", "esc")])
def test_a_reader_name_the_component_grants_an_identity_under_is_refused(block: str, name: str) -> None:
    def program() -> None:
        if block == "kubernetes":
            identity = {**kubernetes_block(AZURE)["identity"], "principal_id": pulumi.Output.from_input(PRINCIPAL_ID)}
            blocks: dict[str, Any] = {"kubernetes": {**kubernetes_block(AZURE), "identity": identity}}
        else:
            login = {**esc_block(AZURE)["login"], "principal_id": pulumi.Output.from_input(PRINCIPAL_ID)}
            blocks = {"esc": esc_block(AZURE, login=login)}
        reader = {name: "6f1c2a9e-1111-4222-8333-444455556666"}
        SecureApiKey("openai", key_args(AZURE, readers_by_name=reader, **blocks))  # type: ignore[arg-type]

    with mock_pulumi() as engine, pytest.raises(SecureApiKeyError) as refused:
        engine.run(program)
    assert str(refused.value).startswith(f"SecureApiKey args.readers_by_name.{name}: is the name the component grants {block}.")
    assert engine.resources == []


def test_refusals_never_show_the_value() -> None:
    args = key_args(AZURE, kubernetes=kubernetes_block(AZURE, namespace="Inference"))
    with mock_pulumi() as engine, pytest.raises(SecureApiKeyError) as refused:
        engine.run(lambda: SecureApiKey("openai", args))  # type: ignore[arg-type]
    assert CANARY not in str(refused.value)
    assert "allowed: an RFC 1123 label" in str(refused.value)
