"""The multi-language schema: the committed snapshot, what it promises, the plugin that serves it, and the
Pulumi YAML example checked against it offline."""

import difflib
import json
import re
import select
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pulumi
import pytest
import yaml
from pulumi.provider.experimental.component import ComponentProvider

from ai_keys import __version__
from ai_keys.provider import COMPONENTS, PROVIDER_NAME, schema, schema_json
from ai_keys.testing import MockEngine, resolve_output

from .conftest import CANARY, ROLE_ARN

ROOT = Path(__file__).resolve().parent.parent
SNAPSHOT = ROOT / "schema.json"
YAML_EXAMPLE = ROOT / "examples" / "yaml" / "Pulumi.yaml"
TOKEN = "ai-keys:index:SecureApiKey"
BACKEND_TYPE = "ai-keys:index:Backend"
CAMEL_CASE = re.compile(r"^[a-z][a-zA-Z0-9]*$")
INTERPOLATION = re.compile(r"^\$\{([A-Za-z0-9_-]+)(?:\.([A-Za-z0-9_.\[\]]+))?\}$")
MAX_DIFF_LINES = 40


@pytest.fixture(scope="module")
def generated() -> dict[str, Any]:
    """The schema as the provider infers it from the code right now."""
    return schema()


@pytest.fixture(scope="module")
def component(generated: dict[str, Any]) -> dict[str, Any]:
    resource: dict[str, Any] = generated["resources"][TOKEN]
    return resource


def short_diff(expected: str, actual: str) -> str:
    lines = list(difflib.unified_diff(expected.splitlines(), actual.splitlines(), "schema.json", "generated", lineterm="", n=1))
    if len(lines) > MAX_DIFF_LINES:
        lines = [*lines[:MAX_DIFF_LINES], f"... ({len(lines) - MAX_DIFF_LINES} more diff lines)"]
    return "\n".join(lines)


SECRET_PATHS = sorted(
    [
        f"{TOKEN}.inputProperties.value",
        f"{TOKEN}.properties.value",
        "ai-keys:index:RotationArgs.azureWebhookUrl",
        "ai-keys:index:ApiGatewayIssuerArgs.value",
        "ai-keys:index:OpenAiIssuerArgs.adminKey",
    ]
)


def secret_properties(document: dict[str, Any]) -> list[str]:
    """The paths of every property marked ``"secret": true``."""
    return sorted(path for path, prop in walk_properties(document) if prop.get("secret") is True)


def walk_properties(document: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    """Every (path, property spec) of the component's inputs and outputs and of every object type."""
    resource = document["resources"][TOKEN]
    for kind in ("inputProperties", "properties"):
        for name, prop in resource[kind].items():
            yield f"{TOKEN}.{kind}.{name}", prop
    for type_token, type_spec in document["types"].items():
        for name, prop in type_spec.get("properties", {}).items():
            yield f"{type_token}.{name}", prop


class TestSnapshot:
    def test_the_committed_schema_json_matches_the_code(self) -> None:
        committed = SNAPSHOT.read_text(encoding="utf-8") if SNAPSHOT.exists() else ""
        current = schema_json()
        if committed != current:
            pytest.fail(
                "schema.json no longer matches the public API inferred from SecureApiKey/SecureApiKeyArgs.\n"
                "If the change is intended, run `python scripts/update_schema.py` and commit schema.json.\n"
                + short_diff(committed, current),
                pytrace=False,
            )

    def test_the_snapshot_is_rendered_with_sorted_keys_and_two_space_indent(self) -> None:
        text = SNAPSHOT.read_text(encoding="utf-8")
        assert text == json.dumps(json.loads(text), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


class TestSchemaContract:
    def test_one_component_under_the_ai_keys_token_at_the_package_version(self, generated: dict[str, Any]) -> None:
        assert generated["name"] == PROVIDER_NAME == "ai-keys"
        assert generated["version"] == __version__
        assert list(generated["resources"]) == [TOKEN]
        assert generated["resources"][TOKEN]["isComponent"] is True
        assert [c.__name__ for c in COMPONENTS] == ["SecureApiKey"]

    def test_no_input_is_required_by_the_schema(self, component: dict[str, Any]) -> None:
        # backend may be left out for an API Gateway key kept in API Gateway alone; the rules say when it is needed.
        assert component.get("requiredInputs", []) == []

    def test_backend_is_an_enum_of_the_three_stores_users_name(
        self, generated: dict[str, Any], component: dict[str, Any]
    ) -> None:
        # An API Gateway key is written issuer.aws_api_gateway: aws-api-gateway is not a backend users may give.
        assert component["inputProperties"]["backend"]["$ref"] == f"#/types/{BACKEND_TYPE}"
        backend = generated["types"][BACKEND_TYPE]
        assert backend["type"] == "string"
        assert [v["value"] for v in backend["enum"]] == [
            "aws-secrets-manager",
            "azure-key-vault",
            "gcp-secret-manager",
        ]
        assert all(v["description"].strip() for v in backend["enum"])

    def test_every_input_output_and_nested_property_has_a_description(self, generated: dict[str, Any]) -> None:
        undocumented = [path for path, prop in walk_properties(generated) if not prop.get("description", "").strip()]
        assert undocumented == []
        assert generated["resources"][TOKEN]["description"].strip()
        assert [token for token, spec in generated["types"].items() if not spec.get("description", "").strip()] == []

    def test_the_value_input_and_output_are_documented_as_secret(self, component: dict[str, Any]) -> None:
        assert "secret" in component["inputProperties"]["value"]["description"].lower()
        assert "secret" in component["properties"]["value"]["description"].lower()

    def test_the_value_and_the_webhook_url_are_marked_secret_and_nothing_else(self, generated: dict[str, Any]) -> None:
        assert secret_properties(generated) == SECRET_PATHS
        assert secret_properties(json.loads(SNAPSHOT.read_text(encoding="utf-8"))) == SECRET_PATHS

    def test_descriptions_are_markdown_without_rest_markup_or_source_indentation(self, generated: dict[str, Any]) -> None:
        texts = [prop["description"] for _, prop in walk_properties(generated)]
        texts += [spec["description"] for spec in generated["types"].values()]
        texts.append(generated["resources"][TOKEN]["description"])
        assert [text for text in texts if "``" in text or re.search(r":(class|func|data|mod|attr):`", text)] == []
        assert [text for text in texts if "\n    " in text] == []

    def test_outputs_are_the_uniform_set_every_backend_fills(self, component: dict[str, Any]) -> None:
        assert sorted(component["properties"]) == [
            "apiKeyId",
            "backend",
            "escEnvironment",
            "issuedKeyId",
            "kmsKeyId",
            "kubernetesSecret",
            "secretId",
            "secretRef",
            "usagePlanId",
            "value",
            "versionId",
        ]

    def test_every_property_name_is_camel_case(self, generated: dict[str, Any]) -> None:
        names = [path.rsplit(".", 1)[1] for path, _ in walk_properties(generated)]
        assert [name for name in names if not CAMEL_CASE.match(name)] == []


class TestPluginEntryPoint:
    """`pulumi package add` runs the repository root as ``python <root> <engine address>``; do the same."""

    def test_the_plugin_files_point_the_language_host_at_the_root_entry_point(self) -> None:
        plugin = yaml.safe_load((ROOT / "PulumiPlugin.yaml").read_text(encoding="utf-8"))
        assert plugin["runtime"]["name"] == "python"
        assert plugin["runtime"]["options"] == {"toolchain": "pip", "virtualenv": "venv"}
        requirements = [
            line.strip()
            for line in (ROOT / "requirements.txt").read_text(encoding="utf-8").splitlines()
            if line.strip() and not line.startswith("#")
        ]
        assert requirements == ["-e .[all,k8s,esc]"]  # the project itself with every backend's and block's SDK
        assert "ai_keys.provider import main" in (ROOT / "__main__.py").read_text(encoding="utf-8")

    def test_the_plugin_serves_the_inferred_schema_and_version_over_grpc(self, tmp_path: Path, generated: dict[str, Any]) -> None:
        import grpc
        from google.protobuf import empty_pb2
        from pulumi.runtime.proto import provider_pb2, provider_pb2_grpc

        # The engine address is only used once a program constructs a resource; schema queries need none.
        process = subprocess.Popen(  # noqa: S603 - this interpreter, this repository
            [sys.executable, str(ROOT), "127.0.0.1:1"], cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        try:
            assert process.stdout is not None
            assert process.stderr is not None
            ready, _, _ = select.select([process.stdout], [], [], 60)
            port = process.stdout.readline().strip() if ready else ""
            if not port.isdigit():
                process.kill()
                pytest.fail(f"the plugin did not print its port; stderr:\n{process.stderr.read()}")
            with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
                stub = provider_pb2_grpc.ResourceProviderStub(channel)
                info = stub.GetPluginInfo(empty_pb2.Empty(), timeout=30)
                served = json.loads(stub.GetSchema(provider_pb2.GetSchemaRequest(), timeout=30).schema)
        finally:
            process.terminate()
            process.wait(timeout=30)
            if process.stdout is not None:
                process.stdout.close()
            if process.stderr is not None:
                process.stderr.close()
        assert info.version == __version__
        assert served == generated
        # The flags other languages' SDKs wrap secrets by come from the running provider, not only the snapshot.
        assert secret_properties(served) == SECRET_PATHS


# --- The Pulumi YAML example, checked against the generated schema (no CLI, no cloud) ---


@pytest.fixture(scope="module")
def yaml_program() -> dict[str, Any]:
    program: dict[str, Any] = yaml.safe_load(YAML_EXAMPLE.read_text(encoding="utf-8"))
    return program


def schema_problems(value: Any, prop: dict[str, Any], path: str, document: dict[str, Any], resources: set[str]) -> list[str]:
    """What is wrong with a YAML value for a schema property (empty when it fits)."""
    if isinstance(value, str) and (match := INTERPOLATION.match(value)):
        # An expression: its type is checked by Pulumi YAML. A plain property must not get a resource output.
        if prop.get("plain") and match.group(1) in resources:
            return [f"{path}: plain property set from the resource output {value}"]
        return []
    if "$ref" in prop:
        type_spec = document["types"][prop["$ref"].removeprefix("#/types/")]
        if "enum" in type_spec:
            allowed = [v["value"] for v in type_spec["enum"]]
            return [] if value in allowed else [f"{path}: {value!r} is not one of {allowed}"]
        if not isinstance(value, dict):
            return [f"{path}: expected an object"]
        return object_problems(value, type_spec["properties"], type_spec.get("required", []), path, document, resources)
    kind = prop["type"]
    if kind == "array":
        if not isinstance(value, list):
            return [f"{path}: expected a list"]
        return [
            p for i, item in enumerate(value) for p in schema_problems(item, prop["items"], f"{path}[{i}]", document, resources)
        ]
    if kind == "object":
        if not isinstance(value, dict):
            return [f"{path}: expected a map"]
        item = prop["additionalProperties"]
        return [p for k, v in value.items() for p in schema_problems(v, item, f"{path}.{k}", document, resources)]
    fits = {
        "string": isinstance(value, str),
        "boolean": isinstance(value, bool),
        "integer": isinstance(value, int) and not isinstance(value, bool),
        "number": isinstance(value, (int, float)) and not isinstance(value, bool),
    }[kind]
    return [] if fits else [f"{path}: expected {kind}, got {value!r}"]


def object_problems(
    values: dict[str, Any],
    properties: dict[str, Any],
    required: list[str],
    path: str,
    document: dict[str, Any],
    resources: set[str],
) -> list[str]:
    problems = [f"{path}.{name}: required but missing" for name in required if name not in values]
    for name, value in values.items():
        if not CAMEL_CASE.match(name):
            problems.append(f"{path}.{name}: not camelCase")
        elif name not in properties:
            problems.append(f"{path}.{name}: not an input of the schema (the provider would silently drop it)")
        else:
            problems.extend(schema_problems(value, properties[name], f"{path}.{name}", document, resources))
    return problems


def substitute(value: Any, env: dict[str, Any]) -> Any:
    """``value`` with every whole-string ``${...}`` expression replaced from ``env``, numbers as the wire sends them."""
    if isinstance(value, str) and value in env:
        return env[value]
    if isinstance(value, dict):
        return {k: substitute(v, env) for k, v in value.items()}
    if isinstance(value, list):
        return [substitute(v, env) for v in value]
    if isinstance(value, int) and not isinstance(value, bool):
        return float(value)  # other languages send every number as a float
    return value


class TestYamlExample:
    def test_it_consumes_this_repository_as_a_package(self, yaml_program: dict[str, Any]) -> None:
        assert yaml_program["runtime"] == "yaml"
        plugin_dir = (YAML_EXAMPLE.parent / yaml_program["packages"]["ai-keys"]).resolve()
        assert plugin_dir == ROOT
        assert (plugin_dir / "PulumiPlugin.yaml").is_file()

    def test_its_component_properties_fit_the_schema(self, yaml_program: dict[str, Any], generated: dict[str, Any]) -> None:
        resources = yaml_program["resources"]
        components = {name: r for name, r in resources.items() if r["type"].startswith(f"{PROVIDER_NAME}:")}
        assert [r["type"] for r in components.values()] == [TOKEN]
        spec = generated["resources"][TOKEN]
        for name, resource in components.items():
            problems = object_problems(
                resource["properties"], spec["inputProperties"], spec["requiredInputs"], name, generated, set(resources)
            )
            assert problems == []
        assert components["openai"]["properties"]["backend"] == "aws-secrets-manager"

    def test_the_value_comes_from_secret_config_and_outputs_exist(
        self, yaml_program: dict[str, Any], generated: dict[str, Any]
    ) -> None:
        openai = yaml_program["resources"]["openai"]["properties"]
        config_key = INTERPOLATION.match(openai["value"]).group(1)  # type: ignore[union-attr]
        assert yaml_program["config"][config_key] == {"type": "string", "secret": True}
        outputs = generated["resources"][TOKEN]["properties"]
        referenced = [INTERPOLATION.match(v) for v in yaml_program["outputs"].values()]
        used = [m.group(2) for m in referenced if m is not None and m.group(1) == "openai"]
        assert used == ["secretRef", "kmsKeyId"]
        assert all(name in outputs for name in used)
        assert "value" not in used  # the key's value is never exported

    def test_the_provider_builds_what_the_readme_describes_from_what_yaml_sends(
        self, yaml_program: dict[str, Any], generated: dict[str, Any], engine: MockEngine
    ) -> None:
        """The plugin's own construct path: wire inputs -> Python args -> SecureApiKey -> camelCase outputs."""
        provider = ComponentProvider(list(COMPONENTS), PROVIDER_NAME, None, __version__)
        properties = yaml_program["resources"]["openai"]["properties"]

        def program() -> Any:
            secret_config = pulumi.Output.secret(CANARY)  # `pulumi config set --secret openaiApiKey`
            wire = substitute(properties, {"${openaiApiKey}": secret_config, "${summarizer.arn}": ROLE_ARN})
            return provider.construct("openai", TOKEN, wire, None)

        result = engine.run(program)
        state = {name: resolve_output(output) for name, output in result.state.items()}
        assert sorted(state) == sorted(generated["resources"][TOKEN]["properties"])  # every output, camelCase
        secret = engine.one("aws:secretsmanager/secret:Secret")
        assert secret.plain("recoveryWindowInDays") == 30
        assert secret.plain("tags") == {"team": "ml", "app": "summarizer"}
        assert secret.plain("kmsKeyId") == engine.one("aws:kms/key:Key").outputs["arn"] == state["kmsKeyId"].value
        policy = json.loads(engine.one("aws:secretsmanager/secretPolicy:SecretPolicy").plain("policy"))
        assert policy["Statement"][0]["Principal"]["AWS"] == [ROLE_ARN]
        assert engine.one("aws:secretsmanager/secretVersion:SecretVersion").is_secret("secretString")
        assert state["secretRef"].value == secret.outputs["arn"]
        assert not state["secretRef"].is_secret
        assert state["value"].is_secret
        assert state["value"].value == CANARY
