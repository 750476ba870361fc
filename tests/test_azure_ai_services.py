"""The ``azure_ai_services`` issuer and an account created in the same program: when the key is read, with which
name, and what a preview does. The invokes are recorded in the order the mock cloud serves them, beside the end
of each registration."""

import asyncio
import re
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any, Optional

import pulumi
import pulumi_azure_native as azure_native
import pytest

from ai_keys import SecureApiKey, SecureApiKeyError
from ai_keys.issuers import azure_ai_services
from ai_keys.testing import MockEngine, mock_clouds, mock_pulumi, resolve_output

ACCOUNT = "azure-native:cognitiveservices:Account"
GET_ACCOUNT = "azure-native:cognitiveservices:getAccount"
LIST_KEYS = "azure-native:cognitiveservices:listAccountKeys"
RG = "rg-ai"
STORE = {"backend": "azure-key-vault", "azure": {"resource_group_name": RG, "create_vault": {}}}
Event = tuple[str, str, dict[str, Any]]
"""``("call", token, args)`` when the mock cloud serves an invoke, ``("registered", type, {})`` when a
registration has finished."""


class Recorder:
    """Records invokes and finished registrations in order; can hold the account's registration back."""

    def __init__(self, engine: MockEngine) -> None:
        self.events: list[Event] = []
        self.lock = threading.Lock()
        self.hold_account: Callable[[], None] = lambda: None
        self.get_account_called = threading.Event()
        register, call = engine.monitor._register, engine.mocks.call

        def recording_register(request: Any) -> Any:
            if request.type == ACCOUNT:
                self.hold_account()
            response = register(request)
            with self.lock:
                self.events.append(("registered", request.type, {}))
            return response

        def recording_call(args: Any) -> Any:
            with self.lock:
                self.events.append(("call", args.token, dict(args.args)))
            if args.token == GET_ACCOUNT:
                self.get_account_called.set()
            return call(args)

        engine.monitor._register = recording_register  # type: ignore[method-assign]
        engine.mocks.call = recording_call  # type: ignore[method-assign]

    def index(self, kind: str, name: str) -> int:
        positions = [i for i, event in enumerate(self.events) if event[:2] == (kind, name)]
        assert len(positions) == 1, (kind, name, self.events)
        return positions[0]

    def calls(self, token: str) -> list[dict[str, Any]]:
        return [args for kind, name, args in self.events if (kind, name) == ("call", token)]


@pytest.fixture
def recorded() -> Iterator[tuple[MockEngine, Recorder]]:
    with mock_pulumi() as engine:
        yield engine, Recorder(engine)


def account(account_name: Optional[str] = "my-aoai", **properties: Any) -> azure_native.cognitiveservices.Account:
    return azure_native.cognitiveservices.Account(
        "aoai",
        account_name=account_name,
        resource_group_name=RG,
        kind="OpenAI",
        sku=azure_native.cognitiveservices.SkuArgs(name="S0"),
        properties=azure_native.cognitiveservices.AccountPropertiesArgs(**properties) if properties else None,
    )


def key_of(account_name: Any, opts: Optional[pulumi.ResourceOptions] = None) -> SecureApiKey:
    issuer = {"azure_ai_services": {"account_name": account_name, "resource_group_name": RG}}
    return SecureApiKey("aoai-key", {**STORE, "issuer": issuer}, opts)  # type: ignore[typeddict-item]


@pytest.mark.parametrize("account_name", ["my-aoai", None], ids=["named", "auto-named"])
def test_an_account_created_in_the_same_program_is_read_once_it_exists(
    recorded: tuple[MockEngine, Recorder], account_name: Optional[str]
) -> None:
    engine, recorder = recorded
    # Held back, so that an invoke that did not wait for the account would be served first.
    recorder.hold_account = lambda: time.sleep(0.3)
    box: dict[str, Any] = {}

    def program() -> None:
        box["account"] = created = account(account_name)
        box["key"] = key_of(created.name)

    engine.run(program)
    name = resolve_output(box["account"].name).value
    # azure-native's auto-name when none is given: the logical name and 8 hex digits
    assert name == account_name if account_name else re.fullmatch(r"aoai[0-9a-f]{8}", name)
    registered = recorder.index("registered", ACCOUNT)
    for token in (GET_ACCOUNT, LIST_KEYS):
        assert recorder.index("call", token) > registered, recorder.events
        assert recorder.calls(token) == [{"accountName": name, "resourceGroupName": RG}]
    key = box["key"]
    value = resolve_output(key.value)
    assert value.is_secret
    assert value.value == azure_ai_services._mock_keys({"accountName": name})["key1"]
    issued = resolve_output(key.issued_key_id).value
    assert issued == f"{resolve_output(box['account'].id).value}#key1"
    assert issued.endswith(f"/providers/Microsoft.CognitiveServices/accounts/{name}#key1")


def test_the_created_accounts_mock_outputs_look_like_resource_managers(engine: MockEngine) -> None:
    engine.run(lambda: account("my-aoai", custom_sub_domain_name="aoai-ml"))
    created = engine.one(ACCOUNT)
    group = f"/subscriptions/{mock_clouds.azure.SUBSCRIPTION_ID}/resourceGroups/{RG}"
    assert created.id == f"{group}/providers/Microsoft.CognitiveServices/accounts/my-aoai"
    assert created.outputs["name"] == "my-aoai"
    assert created.outputs["properties"]["endpoint"] == "https://aoai-ml.openai.azure.com/"
    assert created.outputs["properties"]["disableLocalAuth"] is False


def test_depends_on_given_to_the_component_delays_the_read_until_the_account_exists(
    recorded: tuple[MockEngine, Recorder],
) -> None:
    """A literal account name with the account in the component's ``depends_on``: the invokes wait for it."""
    engine, recorder = recorded

    def hold() -> None:  # keep the account's registration back a moment: a read that does not wait runs first
        recorder.get_account_called.wait(timeout=0.3)

    recorder.hold_account = hold

    def program() -> None:
        key_of("my-aoai", pulumi.ResourceOptions(depends_on=[account("my-aoai")]))

    engine.run(program)
    assert recorder.get_account_called.is_set()
    assert recorder.index("registered", ACCOUNT) < recorder.index("call", GET_ACCOUNT), recorder.events


def _unknown() -> "pulumi.Output[str]":
    """What ``account.name`` is during a preview that creates the account."""
    loop = asyncio.get_event_loop()
    value: asyncio.Future[Optional[str]] = loop.create_future()
    value.set_result(None)
    known, secret = loop.create_future(), loop.create_future()
    known.set_result(False)
    secret.set_result(False)
    return pulumi.Output(set(), value, known, secret)


def test_a_preview_that_creates_the_account_reads_no_key() -> None:
    with mock_pulumi(preview=True) as engine:
        recorder = Recorder(engine)
        key = engine.run(lambda: key_of(_unknown()))
        assert recorder.calls(GET_ACCOUNT) == recorder.calls(LIST_KEYS) == []
        assert resolve_output(key.value).is_known is False
        # The rest of the preview goes on: the vault and the secret are planned.
        assert engine.one("azure-native:keyvault:Secret").parent_urn == engine.one("ai-keys:index:SecureApiKey").urn


def test_keys_of_an_account_without_local_auth_are_never_listed(
    recorded: tuple[MockEngine, Recorder], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Azure answers listKeys on such an account with 400 "Failed to list key. disableLocalAuth is set to be true":
    # the issuer refuses first, with the way out.
    def entra_only(args: dict[str, Any]) -> dict[str, Any]:
        found = azure_ai_services._mock_account(args)
        return {**found, "properties": {**found["properties"], "disableLocalAuth": True}}

    monkeypatch.setitem(mock_clouds._ISSUER_CALLS, GET_ACCOUNT, entra_only)
    engine, recorder = recorded
    with pytest.raises(Exception, match="Entra ID"):
        engine.run(lambda: key_of("my-aoai"))
    assert recorder.calls(GET_ACCOUNT) == [{"accountName": "my-aoai", "resourceGroupName": RG}]
    assert recorder.calls(LIST_KEYS) == []


@pytest.mark.parametrize("field", ["account_name", "resource_group_name"])
def test_a_resource_given_for_its_name_is_refused_before_the_key_is_registered(engine: MockEngine, field: str) -> None:
    names = {"account_name": "my-aoai", "resource_group_name": RG}

    def program() -> None:
        given = {**names, field: account("my-aoai")}
        SecureApiKey("aoai-key", {**STORE, "issuer": {"azure_ai_services": given}})  # type: ignore[typeddict-item]

    with pytest.raises(SecureApiKeyError) as refused:
        engine.run(program)
    assert refused.value.field == f"issuer.azure_ai_services.{field}"
    assert "Account resource" in str(refused.value)
    assert "account.name" in refused.value.allowed
    assert [r.type for r in engine.resources] == [ACCOUNT]
