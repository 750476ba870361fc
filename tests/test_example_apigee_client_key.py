"""The apigee-client-key example runs offline under the mock engine and creates what its README says."""

import re
from pathlib import Path

import pytest

from ai_keys.runtime.refs import GcpSecretRef, parse_secret_ref
from ai_keys.testing import MockEngine, run_program

from .scenarios import leaks

EXAMPLE = Path(__file__).parent.parent / "examples" / "apigee-client-key"
PROJECT = "my-project"
CLIENT = "serviceAccount:acme@acme-project.iam.gserviceaccount.com"
APP = "gcp:apigee/developerApp:DeveloperApp"
PRODUCT = "gcp:apigee/apiProduct:ApiProduct"
DEVELOPER = "gcp:apigee/developer:Developer"
VERSION = "gcp:secretmanager/secretVersion:SecretVersion"
GRANT = "gcp:secretmanager/secretIamMember:SecretIamMember"


@pytest.fixture(scope="module")
def engine() -> MockEngine:
    return run_program(EXAMPLE, config={"gcp:project": PROJECT, "client_member": CLIENT})


def test_example_project_files() -> None:
    assert (EXAMPLE / "Pulumi.yaml").read_text().splitlines()[0] == "name: ai-keys-apigee-client-key"
    assert "../..[gcp]" in (EXAMPLE / "requirements.txt").read_text().splitlines()
    readme = " ".join((EXAMPLE / "README.md").read_text().split())
    assert (
        f"python -m ai_keys preview examples/apigee-client-key --config gcp:project={PROJECT} --config client_member={CLIENT}"
        in readme
    )
    assert "10,000 calls a day" in readme


def test_the_product_carries_the_daily_quota_and_the_app_is_on_it_alone(engine: MockEngine) -> None:
    product = engine.one(PRODUCT)
    assert product.plain("orgId") == f"organizations/{PROJECT}"
    assert (product.plain("quota"), product.plain("quotaInterval"), product.plain("quotaTimeUnit")) == ("10000", "1", "day")
    assert product.plain("environments") == ["prod"]
    assert product.plain("proxies") == ["inference"]
    assert engine.one(DEVELOPER).plain("email") == "platform@acme.example"
    app = engine.one(APP)
    assert app.plain("apiProducts") == ["inference-free"]
    assert re.fullmatch(r"acme-assistant-[0-9a-f]{8}", app.plain("name"))
    assert "credentials" in app.additional_secret_outputs


def test_only_the_client_reads_the_key_and_it_is_never_in_plaintext(engine: MockEngine) -> None:
    (grant,) = engine.find(GRANT)
    assert grant.plain("member") == CLIENT
    assert grant.plain("role") == "roles/secretmanager.secretAccessor"
    version = engine.one(VERSION)
    assert version.is_secret("secretData")
    key = engine.one(APP).outputs["credentials"][0]["consumerKey"]
    assert leaks(engine, key) == []
    ref = parse_secret_ref(engine.stack_outputs["secret_ref"])
    assert isinstance(ref, GcpSecretRef)
    assert engine.stack_outputs["issued_key_id"] == engine.one(APP).id
