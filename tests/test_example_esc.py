"""The esc example runs offline under the mock engine and creates what its README says."""

import json
from pathlib import Path

import yaml

from ai_keys.testing import MockEngine, run_program, unwrap_secrets

from .conftest import CANARY
from .scenarios import leaks

EXAMPLE = Path(__file__).parent.parent / "examples" / "esc"


def run_example(**config: str) -> MockEngine:
    return run_program(EXAMPLE, config={"openai_api_key": CANARY, **config}, secret_keys=["openai_api_key"])


def test_the_environment_opens_the_key_by_reference_as_the_oidc_role() -> None:
    engine = run_example(esc_organization="ml-team")
    role = engine.one("aws:iam/role:Role", "esc")
    trust = json.loads(role.plain("assumeRolePolicy"))["Statement"][0]
    assert trust["Principal"]["Federated"].endswith(":oidc-provider/api.pulumi.com/oidc")
    assert trust["Condition"] == {"StringEquals": {"api.pulumi.com/oidc:aud": "ml-team"}}
    policy = json.loads(engine.one("aws:secretsmanager/secretPolicy:SecretPolicy").plain("policy"))
    assert policy["Statement"][0]["Principal"] == {"AWS": [role.outputs["arn"]]}
    environment = engine.one("pulumiservice:index:Environment")
    names = (environment.plain("organization"), environment.plain("project"), environment.plain("name"))
    assert names == ("ml-team", "ai", "stack")  # one environment per stack
    text = unwrap_secrets(environment.inputs)["yaml"].text
    values = yaml.safe_load(text)["values"]
    assert values["aws"]["login"]["fn::open::aws-login"]["oidc"]["roleArn"] == role.outputs["arn"]
    assert (
        values["aws"]["secrets"]["fn::open::aws-secrets"]["get"]["api_key"]["secretId"] == engine.stack_outputs["openai_key_ref"]
    )
    assert values["environmentVariables"] == {"OPENAI_API_KEY": "${aws.secrets.api_key}"}
    assert CANARY not in text
    assert engine.stack_outputs["esc_environment"] == "ml-team/ai/stack"
    assert set(engine.stack_outputs) == {"openai_key_ref", "esc_environment", "esc_role_arn"}
    assert leaks(engine) == []
