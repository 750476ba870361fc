"""The aws-api-gateway example runs offline under the mock engine and creates what its README says."""

import json
from pathlib import Path

from ai_keys.testing import MockEngine, run_program, unwrap_secrets

EXAMPLE = Path(__file__).parent.parent / "examples" / "aws-api-gateway"
ACME_READER = "arn:aws:iam::210987654321:role/acme-app"

API_KEY = "aws:apigateway/apiKey:ApiKey"
PLAN = "aws:apigateway/usagePlan:UsagePlan"
PLAN_KEY = "aws:apigateway/usagePlanKey:UsagePlanKey"
SECRET = "aws:secretsmanager/secret:Secret"
VERSION = "aws:secretsmanager/secretVersion:SecretVersion"
POLICY = "aws:secretsmanager/secretPolicy:SecretPolicy"


def run_example(config: dict[str, str]) -> MockEngine:
    return run_program(EXAMPLE, config=config)


def readers(engine: MockEngine, client: str) -> list[str]:
    policy = json.loads(engine.one(POLICY, f"{client}-read-policy").plain("policy"))
    principals: list[str] = policy["Statement"][0]["Principal"]["AWS"]
    return principals


def test_example_issues_two_keys_in_two_plans_each_stored_in_secrets_manager() -> None:
    engine = run_example({"acme_reader_arn": ACME_READER})
    types = [r.type for r in engine.resources]
    for type_ in (API_KEY, PLAN, PLAN_KEY, SECRET, VERSION, POLICY, "aws:kms/key:Key"):
        assert types.count(type_) == 2, type_
    for plan_key in engine.find(PLAN_KEY):
        assert plan_key.additional_secret_outputs == ["value"]
    for version in engine.find(VERSION):
        assert version.is_secret("secretString")

    method = engine.one("aws:apigateway/method:Method", "completions-post")
    assert method.plain("apiKeyRequired") is True
    assert engine.one("aws:apigateway/integration:Integration").plain("type") == "MOCK"
    api = engine.one("aws:apigateway/restApi:RestApi", "inference-api")
    assert engine.one("aws:apigateway/stage:Stage", "prod").plain("stageName") == "prod"

    free = engine.one(PLAN, "acme-usage-plan")
    pro = engine.one(PLAN, "globex-usage-plan")
    assert free.plain("quotaSettings") == {"limit": 1_000, "period": "MONTH"}
    assert free.plain("throttleSettings") == {"rateLimit": 2, "burstLimit": 5}
    assert free.plain("apiStages") == [{"apiId": api.id, "stage": "prod"}]
    assert pro.plain("throttleSettings") == {"rateLimit": 50, "burstLimit": 100}
    assert pro.plain("throttleSettings")["rateLimit"] > free.plain("throttleSettings")["rateLimit"]
    assert pro.plain("apiStages")[0]["throttles"] == [{"path": "/completions/POST", "rateLimit": 25, "burstLimit": 50}]
    assert engine.one(PLAN_KEY, "acme-usage-plan-key").plain("usagePlanId") == free.id
    assert engine.one(PLAN_KEY, "globex-usage-plan-key").plain("usagePlanId") == pro.id

    for client in ("acme", "globex"):
        kms_key = engine.one("aws:kms/key:Key", f"{client}-key")
        assert engine.one(SECRET, f"{client}-secret").plain("kmsKeyId") == kms_key.outputs["arn"]
        key_policy = json.loads(engine.one("aws:kms/keyPolicy:KeyPolicy", f"{client}-key-policy").plain("policy"))
        assert key_policy["Statement"][1]["Principal"]["AWS"] == readers(engine, client)
    assert readers(engine, "acme") == [ACME_READER]
    assert readers(engine, "globex") == ["arn:aws:iam::123456789012:role/globex-inference-client"]


def test_example_exports_each_clients_secret_ref_and_key_id_but_never_the_value() -> None:
    engine = run_example({})
    outputs = engine.stack_outputs
    assert set(outputs) == {"acme_secret_ref", "acme_api_key_id", "globex_secret_ref", "globex_api_key_id", "invoke_url"}
    for client in ("acme", "globex"):
        assert outputs[f"{client}_secret_ref"] == engine.one(SECRET, f"{client}-secret").outputs["arn"]
        assert outputs[f"{client}_api_key_id"] == engine.one(API_KEY, f"{client}-api-key").id
    assert readers(engine, "acme") == ["arn:aws:iam::123456789012:role/acme-inference-client"]
    exported = json.dumps(unwrap_secrets(outputs))
    for api_key in engine.find(API_KEY):
        assert api_key.outputs["value"] not in exported


def test_the_invoke_url_is_the_stages_base_url() -> None:
    engine = run_example({})
    api = engine.one("aws:apigateway/restApi:RestApi")
    assert engine.stack_outputs["invoke_url"] == f"https://{api.id}.execute-api.us-east-1.amazonaws.com/prod"
