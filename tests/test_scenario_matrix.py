"""Every example and every issuer x store, through time: first deploy, each documented edit, a second stack of the
same program in the same project or account, +61 and +92 days (past every expiry), destroy with and without
protection, and a redeploy after the destroy, on one simulated cloud. A step the real cloud would refuse fails
with the rule's id and source (``ai_keys.testing.constraints``)."""

import runpy
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from ai_keys import SecureApiKey
from ai_keys.testing.simulation import Cloud, Scenario

from .conftest import CANARY, scenario_totals
from .scenarios import MODES, args_for, backend_of, merge, supported
from .test_issuers import ISSUERS, MODEL, STORES

ROOT = Path(__file__).parent.parent
OTHER_VALUE = CANARY[::-1]
OUTSIDE_READER = "serviceAccount:rotator@ops-project.iam.gserviceaccount.com"
ACCESSOR = "roles/secretmanager.secretAccessor"
RE_ISSUE: dict[str, dict[str, Any]] = {
    "gemini": {"gemini": {"project": "my-project-123", "service_account_email": "caller@my-project-123.iam.gserviceaccount.com"}},
    "bedrock": {"bedrock": {"models": [MODEL], "expires_in_days": 30}},
    "azure_ai_services": {"azure_ai_services": {"account_name": "my-aoai", "resource_group_name": "rg-ai", "key": "key2"}},
}
EXTRA_READER = {
    "aws-secrets-manager": "arn:aws:iam::123456789012:role/batch",
    "aws-api-gateway": "arn:aws:iam::123456789012:role/batch",
    "azure-key-vault": "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d",
    "gcp-secret-manager": "serviceAccount:batch@mock-project.iam.gserviceaccount.com",
}


@dataclass
class Case:
    """One program, its documented edits, and how to run it without protection."""

    program: Callable[[dict[str, Any]], Callable[[], Any]]
    """Overrides -> a Pulumi program."""
    config: dict[str, str] = field(default_factory=dict)
    secret_keys: tuple[str, ...] = ()
    edits: dict[str, dict[str, Any]] = field(default_factory=dict)
    """Label -> overrides each documented edit applies."""
    unprotected: dict[str, Any] = field(default_factory=lambda: {"deletion_protection": False})


def _component(base: dict[str, Any]) -> Callable[[dict[str, Any]], Callable[[], Any]]:
    def program(overrides: dict[str, Any], base: dict[str, Any] = base) -> Callable[[], Any]:
        return lambda: SecureApiKey("ai", merge(base, overrides))  # type: ignore[arg-type]

    return program


def _example(name: str) -> Callable[[dict[str, Any]], Callable[[], Any]]:
    def program(overrides: dict[str, Any], base: dict[str, Any] = {}) -> Callable[[], Any]:  # noqa: B006
        del overrides, base  # examples change through their config
        return lambda: runpy.run_path(str(ROOT / "examples" / name / "__main__.py"), run_name="__main__")

    return program


def _cases() -> dict[str, Case]:
    cases: dict[str, Case] = {}
    for issuer, block in ISSUERS.items():
        for store, store_args in STORES.items():
            base = {"backend": store, "issuer": block, **store_args}
            cases[f"{issuer}-in-{store}"] = Case(
                _component(base),
                edits={
                    "tags": {"tags": {"team": "ml"}},
                    "another reader": {"readers": [*store_args["readers"], EXTRA_READER[store]]},
                    "re-issue": {"issuer": RE_ISSUE[issuer]},
                },
            )
    for mode in MODES:
        for option in ("plain", "everything"):
            base = args_for(mode, *supported(mode)) if option == "everything" else args_for(mode)
            backend = backend_of(mode)
            edits: dict[str, dict[str, Any]] = {"tags": {"tags": {"team": "search"}}, "description": {"description": "edited"}}
            if "readers" in base and backend in EXTRA_READER:
                edits["another reader"] = {"readers": [*base["readers"], EXTRA_READER[backend]]}
            cases[f"{mode}-{option}"] = Case(
                _component(base),
                edits=edits,
                unprotected={} if mode == "aws-api-gateway/no-copy" else {"deletion_protection": False},
            )
    examples = {
        "aws-secrets-manager": (
            {"openai_api_key": CANARY},
            ("openai_api_key",),
            {"rotation": {"rotation_lambda_arn": "arn:aws:lambda:us-east-1:123456789012:function:rotate-openai"}},
        ),
        "aws-api-gateway": ({}, (), {}),
        "azure-key-vault": (
            {"anthropic_api_key": CANARY},
            ("anthropic_api_key",),
            {"allowed ips": {"allowed_ips": '["203.0.113.0/24"]'}},
        ),
        "azure-openai-key": ({"account_name": "my-aoai", "account_resource_group": "rg-ai"}, (), {"key2": {"key": "key2"}}),
        "bedrock-key": ({}, (), {"expiry": {"expires_in_days": "30"}}),
        "gcp-secret-manager": (
            {"gemini_api_key": CANARY, "gcp:project": "my-project-123"},
            ("gemini_api_key",),
            {"reader": {"reader": "serviceAccount:batch@my-project-123.iam.gserviceaccount.com"}},
        ),
        "gemini-key": (
            {"gcp:project": "my-project-123"},
            (),
            {"caller": {"caller_service_account_email": "caller@my-project-123.iam.gserviceaccount.com"}},
        ),
        "gemini-key-on-aws": ({"gcp:project": "my-project-123"}, (), {}),
        "apigee-client-key": (
            {"gcp:project": "my-project-123", "client_member": "serviceAccount:acme@acme-project.iam.gserviceaccount.com"},
            (),
            {"proxy": {"apigee_proxy": "chat"}},
        ),
        "azure-apim-client-key": (
            {
                "apim_service": "apim-ai",
                "apim_resource_group": "rg-ai",
                "client_principal_id": "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d",
            },
            (),
            {"api": {"llm_api_id": "anthropic"}},
        ),
        "multi-cloud": ({"openai_api_key": CANARY, "gcp:project": "my-project-123"}, ("openai_api_key",), {}),
        "kubernetes": ({"openai_api_key": CANARY}, ("openai_api_key",), {"csi": {"delivery": "csi"}}),
        "esc": ({"openai_api_key": CANARY}, ("openai_api_key",), {"organization": {"esc_organization": "ml-team"}}),
    }
    for name, (config, secret_keys, config_edits) in examples.items():
        cases[f"example-{name}"] = Case(_example(name), config, secret_keys, config_edits, unprotected={})
    return cases


CASES = _cases()


def _seed_outside_readers(cloud: Cloud) -> int:
    """A reader granted outside the stack on every Secret Manager secret (a rotator, another team)."""
    secrets = cloud.live("gcp:secretmanager/secret:Secret")
    for secret in secrets:
        cloud.seed_grant("/".join(secret.key), ACCESSOR, OUTSIDE_READER)
    return len(secrets)


@pytest.mark.parametrize("name", sorted(CASES))
def test_the_program_survives_a_life_on_the_simulated_cloud(name: str) -> None:
    case = CASES[name]
    cloud = Cloud()
    scenario = Scenario(cloud, project=name)
    example = name.startswith("example-")

    def deploy(overrides: dict[str, Any], stack: str = "dev") -> Any:
        config = {**case.config, **{k: str(v) for k, v in overrides.items()}} if example else dict(case.config)
        if stack != "dev":
            # Each stack has its own config, hence its own key: an API Gateway key's value is unique in the account.
            config = {k: OTHER_VALUE if v == CANARY else v for k, v in config.items()}
            base = case.program.__defaults__[0]  # type: ignore[index]
            if "value" in base:
                overrides = {**overrides, "value": OTHER_VALUE}
            elif "value" in base.get("issuer", {}).get("aws_api_gateway", {}):  # a key brought to API Gateway
                overrides = merge(overrides, {"issuer": {"aws_api_gateway": {"value": OTHER_VALUE}}})
        plan = scenario.deploy(
            case.program({} if example else overrides), stack=stack, config=config, secret_keys=case.secret_keys
        )
        assert not plan.refused, (name, [r.message for r in plan.refused])
        return plan

    first = deploy({})
    assert first.steps, name
    seeded = _seed_outside_readers(cloud)
    scenario.serving()
    for edit in case.edits.values():
        deploy(edit)
        deploy({})
    # Additive grants: nothing made outside the stack was removed by any deploy, nor undone for another stack.
    assert cloud.removed_outside_grants == [], name
    assert cloud.reverted == [], name
    if seeded:
        assert all(
            cloud.has_grant("/".join(s.key), ACCESSOR, OUTSIDE_READER) for s in cloud.live("gcp:secretmanager/secret:Secret")
        )
    deploy({}, stack="prod")  # a second stack of the same program, same project and account
    for days in (61, 31):  # +92 days in all: past a 90-day key's expiry, with a deploy in between
        cloud.advance(days=days)
        deploy({})
        deploy({}, stack="prod")
        scenario.serving()
    protected = scenario.destroy(stack="prod")
    resources = [r for r in protected.before if r.custom]
    if any(r.protect for r in resources):
        assert protected.refused
        assert not protected.steps  # nothing deleted
    if example:
        _count(scenario)
        return
    deploy(case.unprotected)
    destroyed = scenario.destroy(unprotect=True)  # after `pulumi state unprotect`: a rotating key stays protected
    assert not destroyed.refused, [r.message for r in destroyed.refused]
    cloud.advance(minutes=10)
    deploy({})  # up again after the destroy: every name the cloud still holds is a new one
    scenario.serving()
    assert cloud.reverted == [], name
    _count(scenario)


def _count(scenario: Scenario) -> None:
    checks = sum(scenario.cloud.checks.values())
    assert checks > 0  # the rules ran
    scenario_totals.add(scenario.steps, checks)


def test_the_matrix_covers_every_example_and_every_issuer_in_every_store() -> None:
    examples = {p.parent.name for p in (ROOT / "examples").glob("*/__main__.py")}
    assert {n.removeprefix("example-") for n in CASES if n.startswith("example-")} == examples
    assert {n for n in CASES if "-in-" in n} == {f"{i}-in-{s}" for i in ISSUERS for s in STORES}
    assert {n.rsplit("-", 1)[0] for n in CASES if n.endswith(("-plain", "-everything"))} == set(MODES)
