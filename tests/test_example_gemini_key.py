"""The gemini-key example runs offline under the mock engine and creates what its README says."""

import re
from pathlib import Path

import pytest

from ai_keys.runtime.refs import GcpSecretRef, parse_secret_ref
from ai_keys.testing import MockEngine, run_program

from .scenarios import leaks

EXAMPLE = Path(__file__).parent.parent / "examples" / "gemini-key"
PROJECT = "my-project"
API_KEY = "gcp:projects/apiKey:ApiKey"
ACCOUNT = "gcp:serviceaccount/account:Account"
SECRET = "gcp:secretmanager/secret:Secret"
VERSION = "gcp:secretmanager/secretVersion:SecretVersion"
GRANT = "gcp:secretmanager/secretIamMember:SecretIamMember"
ISSUED = "time:index/static:Static"
CALLER = f"gemini-caller@{PROJECT}.iam.gserviceaccount.com"


def run_example(**config: str) -> MockEngine:
    return run_program(EXAMPLE, config={"gcp:project": PROJECT, **config})


@pytest.fixture(scope="module")
def engine() -> MockEngine:
    return run_example()


def test_example_project_files() -> None:
    assert (EXAMPLE / "Pulumi.yaml").read_text().splitlines()[0] == "name: ai-keys-gemini-key"
    assert "../..[gcp]" in (EXAMPLE / "requirements.txt").read_text().splitlines()  # the checkout, with its extra
    readme = (EXAMPLE / "README.md").read_text()
    assert "python -m ai_keys preview examples/gemini-key --config gcp:project=my-project" in readme
    assert "iam.managed.disableServiceAccountApiKeyCreation" in readme


def test_the_key_is_restricted_to_gemini_and_bound_to_a_caller_with_no_roles(engine: MockEngine) -> None:
    key = engine.one(API_KEY)
    assert key.plain("project") == PROJECT
    assert key.plain("restrictions") == {"apiTargets": [{"service": "generativelanguage.googleapis.com"}]}
    assert "keyString" in key.additional_secret_outputs
    caller = engine.one(ACCOUNT, "gemini-gemini-caller")
    assert key.plain("serviceAccountEmail") == caller.outputs["email"]
    # Both names come from when the key was issued, so a re-issue gets new ones (made before the old are deleted).
    issued = engine.one(ISSUED, "gemini-gemini-issued")
    assert issued.plain("triggers") == {"project": PROJECT, "service_account_email": ""}
    assert re.fullmatch(r"gemini-[0-9a-f]{8}", key.plain("name"))
    assert re.fullmatch(r"gemini-[0-9a-f]{8}", caller.plain("accountId"))
    assert key.property_dependencies["name"] == [issued.urn]
    assert caller.property_dependencies["accountId"] == [issued.urn]
    # The caller holds no roles: nothing in the stack grants it anything.
    granted = [r for r in engine.resources if "IAM" in r.type or "Iam" in r.type]
    assert [r.type for r in granted] == [GRANT]
    assert granted[0].plain("member") != caller.outputs["member"]


def test_the_key_is_stored_and_only_the_cloud_run_identity_reads_it(engine: MockEngine) -> None:
    key_string = engine.one(API_KEY).outputs["keyString"]
    assert key_string.startswith("AQ.")  # a key bound to a service account
    secret = engine.one(SECRET)
    version = engine.one(VERSION)
    assert version.is_secret("secretData")
    assert version.plain("secretData") == key_string
    assert version.plain("secret") == secret.id
    run_identity = engine.one(ACCOUNT, "summarizer-run")
    assert run_identity.plain("accountId") == "summarizer-stack"  # one per stack
    # Known only at deploy time, so named in readers_by_name: its grant is keyed by that name.
    (grant,) = engine.find(GRANT)
    assert grant.name == "gemini-reader-summarizer"
    assert grant.plain("secretId") == secret.id
    assert grant.plain("role") == "roles/secretmanager.secretAccessor"
    assert grant.plain("member") == run_identity.outputs["member"]
    assert secret.plain("labels") == {"team": "ml", "app": "summarizer"}


def test_outputs_name_the_secret_and_the_key_never_its_value(engine: MockEngine) -> None:
    key = engine.one(API_KEY)
    outputs = engine.stack_outputs
    assert set(outputs) == {"secret_ref", "issued_key_id", "run_service_account"}
    ref = parse_secret_ref(outputs["secret_ref"])
    assert isinstance(ref, GcpSecretRef)
    assert (ref.project, ref.secret, ref.version) == (PROJECT, engine.one(SECRET).outputs["secretId"], "latest")
    assert outputs["issued_key_id"] == key.id == f"projects/{PROJECT}/locations/global/keys/{key.plain('name')}"
    assert outputs["run_service_account"] == engine.one(ACCOUNT, "summarizer-run").outputs["email"]
    assert leaks(engine, key.outputs["keyString"]) == []


def test_a_second_stack_gets_service_accounts_and_a_key_of_its_own(engine: MockEngine) -> None:
    prod = run_program(EXAMPLE, config={"gcp:project": PROJECT}, stack="prod")
    assert prod.one(ACCOUNT, "summarizer-run").plain("accountId") == "summarizer-prod"
    assert engine.one(ACCOUNT, "summarizer-run").plain("accountId") == "summarizer-stack"
    caller_ids = {e.one(ACCOUNT, "gemini-gemini-caller").plain("accountId") for e in (engine, prod)}
    assert len(caller_ids) == 2
    assert len({e.one(API_KEY).plain("name") for e in (engine, prod)}) == 2


def test_a_caller_service_account_you_give_is_bound_and_none_is_created() -> None:
    engine = run_example(caller_service_account_email=CALLER)
    assert [a.name for a in engine.find(ACCOUNT)] == ["summarizer-run"]
    assert engine.one(API_KEY).plain("serviceAccountEmail") == CALLER
