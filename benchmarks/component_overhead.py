"""What SecureApiKey costs over writing the same resources by hand, under the mock engine.

    python benchmarks/component_overhead.py [N]      # N keys, default 200; finishes well under a minute

1. N keys through ``SecureApiKey`` (plain AWS Secrets Manager case) against the same N raw
   ``aws.secretsmanager.Secret`` + ``SecretVersion`` pairs (value wrapped in ``Output.secret``), each
   program run in a fresh ``ai_keys.testing.mock_pulumi`` engine. The floor of the overhead is one extra
   registration per key: the component resource itself. An empty component around the same two resources
   is measured too, to show what that floor costs on its own. Two measures:
   - Python function calls on the event loop's thread, counted by ``cProfile``: the same from run to run
     (within about 1%), so it carries the verdict against the target;
   - CPU time, median of several interleaved runs. On a shared virtual machine the same program's CPU
     time can vary twofold between runs, so it is printed with the raw program's range, as a check.
2. Per backend configuration, one key: how many resources it registers and its longest dependency chain
   (parent -> child and input/``depends_on`` dependencies).
3. An import check, in fresh interpreters: ``import ai_keys`` must load no cloud SDK (and ``import
   ai_keys.runtime`` no Pulumi); the script exits 1 if one does. Each import is timed in IMPORT_RUNS
   interpreters and printed as a range.

    python benchmarks/component_overhead.py --imports-only            # the import check alone, in seconds
    python benchmarks/component_overhead.py --imports-only --record   # ... and write benchmarks/results/imports.json

``--record`` writes the import times to ``benchmarks/results/imports.json``, where README's figures come from
(``tests/test_readme_figures.py`` checks that they agree).

Not a test: nothing here asserts on time.
"""

import cProfile
import gc
import json
import platform
import pstats
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, Optional

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))  # runs from a checkout, uninstalled

import pulumi
import pulumi_aws as aws

from ai_keys import BackendNotInstalledError, SecureApiKey, SecureApiKeyError
from ai_keys.testing import MockEngine, RegisteredResource, mock_pulumi

DEFAULT_KEYS = 200
RUNS = 5
MIN_RUNS = 3
TIME_BUDGET_S = 35.0  # stop repeating past this (after MIN_RUNS) so the script stays well under a minute
TARGET_ABOVE_FLOOR = 0.10
"""What SecureApiKey may cost above the floor (an empty component around the same children), in raw-resource units."""
VALUE = "sk-bench-0123456789abcdefghijklmnopqrstuv"
GATEWAY_VALUE = "bench0123456789abcdefghijklmnopqrstuv"  # API Gateway keys are 20-128 letters and digits
ROLE_ARN = "arn:aws:iam::123456789012:role/summarizer"
LAMBDA_ARN = "arn:aws:lambda:us-east-1:123456789012:function:rotate-openai"
AZURE_PRINCIPAL = "00000000-0000-0000-0000-0000000000aa"
GCP_READER = "serviceAccount:summarizer@my-project.iam.gserviceaccount.com"

CONFIGURATIONS: dict[str, dict[str, Any]] = {
    "aws-secrets-manager, plain": {"backend": "aws-secrets-manager", "value": VALUE},
    "aws-secrets-manager, readers+key+rotation+replica": {
        "backend": "aws-secrets-manager",
        "value": VALUE,
        "readers": [ROLE_ARN],
        "encryption": {"create_key": True},
        "rotation": {"every_days": 30, "aws_lambda_arn": LAMBDA_ARN},
        "replica_regions": ["eu-west-1"],
    },
    "aws-api-gateway, usage plan": {
        "issuer": {
            "aws_api_gateway": {
                "value": GATEWAY_VALUE,
                "usage_plan": {
                    "throttle": {"rate_limit": 10.0, "burst_limit": 20},
                    "quota": {"limit": 10_000, "period": "MONTH"},
                    "api_stages": [
                        {
                            "api_id": "a1b2c3d4e5",
                            "stage": "prod",
                            "throttles": [{"path": "/completions/POST", "rate_limit": 5.0, "burst_limit": 10}],
                        }
                    ],
                },
            }
        },
    },
    "azure-key-vault, created vault + reader": {
        "backend": "azure-key-vault",
        "value": VALUE,
        "readers": [AZURE_PRINCIPAL],
        "azure": {"resource_group_name": "rg-ai", "create_vault": {}},
    },
    "gcp-secret-manager, CMEK + rotation + reader": {
        "backend": "gcp-secret-manager",
        "value": VALUE,
        "readers": [GCP_READER],
        "encryption": {"create_key": True},
        "rotation": {"every_days": 30},
        "gcp": {"project": "my-project"},
    },
}


def component_program(keys: int) -> Callable[[], None]:
    def program() -> None:
        for i in range(keys):
            SecureApiKey(f"key{i}", {"backend": "aws-secrets-manager", "value": VALUE})  # type: ignore[call-overload]

    return program


def raw_program(keys: int) -> Callable[[], None]:
    """What the component registers in the plain case, written by hand (no component resource)."""

    def program() -> None:
        for i in range(keys):
            secret = aws.secretsmanager.Secret(f"key{i}-secret", recovery_window_in_days=30)
            aws.secretsmanager.SecretVersion(f"key{i}-version", secret_id=secret.id, secret_string=pulumi.Output.secret(VALUE))

    return program


class _EmptyComponent(pulumi.ComponentResource):
    """The floor: a component that only wraps the same two resources (no validation, no outputs)."""

    def __init__(self, name: str) -> None:
        super().__init__("bench:index:EmptyComponent", name, {}, None)
        child = pulumi.ResourceOptions(parent=self)
        secret = aws.secretsmanager.Secret(f"{name}-secret", recovery_window_in_days=30, opts=child)
        aws.secretsmanager.SecretVersion(
            f"{name}-version", secret_id=secret.id, secret_string=pulumi.Output.secret(VALUE), opts=child
        )
        self.register_outputs({})


def floor_program(keys: int) -> Callable[[], None]:
    def program() -> None:
        for i in range(keys):
            _EmptyComponent(f"key{i}")

    return program


def timed_run(program: Callable[[], None]) -> tuple[float, float, int]:
    """Wall and CPU time of one program in a fresh mock engine, and how many resources it registered."""
    with mock_pulumi() as engine:
        gc.collect()
        gc.disable()  # a collection landing in one run and not the other is most of the noise
        try:
            wall, cpu = time.perf_counter(), time.process_time()
            engine.run(program)
            wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        finally:
            gc.enable()
        return wall, cpu, len(engine.resources)


def counted_run(program: Callable[[], None]) -> int:
    """How many Python function calls one program makes on the event loop's thread, in a fresh mock engine.

    The engine's registrations run in the SDK's thread pool and are the same for every program, so they are
    left out; what the component adds (validation, children, outputs) runs on this thread."""
    with mock_pulumi() as engine:
        profile = cProfile.Profile()
        profile.enable()
        try:
            engine.run(program)
        finally:
            profile.disable()
    return int(pstats.Stats(profile).total_calls)  # type: ignore[attr-defined]


def compare(keys: int, runs: int) -> None:
    timed_run(component_program(5))  # warm-up: lazy imports and first-call caches
    timed_run(raw_program(5))
    timed_run(floor_program(5))
    programs = {"component": component_program, "floor": floor_program, "raw": raw_program}
    calls = {label: min(counted_run(make(keys)) for _ in range(2)) for label, make in programs.items()}
    cpu: dict[str, list[float]] = {label: [] for label in programs}
    registered: dict[str, int] = {}
    started = time.perf_counter()
    done = 0
    while done < runs and (done < MIN_RUNS or time.perf_counter() - started < TIME_BUDGET_S):
        done += 1
        for label, make in programs.items():  # interleaved, so drift in machine load hits all alike
            _, run_cpu, count = timed_run(make(keys))
            cpu[label].append(run_cpu)
            registered[label] = count
    median = {label: statistics.median(times) for label, times in cpu.items()}
    print(f"SecureApiKey vs raw resources: {keys} keys, aws-secrets-manager plain; CPU time median of {done} runs\n")
    print(f"  {'':<34}{'Python calls':>14}{'CPU time':>10}{'registered':>12}{'per key':>9}")
    titles = {"component": "SecureApiKey", "floor": "empty component, same 2 children", "raw": "raw Secret + SecretVersion"}
    for label, title in titles.items():
        per_key = registered[label] / keys
        print(f"  {title:<34}{calls[label]:>14,}{median[label]:>9.3f}s{registered[label]:>12}{per_key:>9.1f}")
    for label, title in (("component", "ratio SecureApiKey / raw"), ("floor", "ratio empty component / raw")):
        counts = registered[label] / registered["raw"]
        print(f"  {title:<34}{calls[label] / calls['raw']:>13.3f}x{median[label] / median['raw']:>9.2f}x{counts:>11.2f}x")
    extra = (registered["component"] - registered["raw"]) / keys
    above_calls = (calls["component"] - calls["floor"]) / calls["raw"]
    above_cpu = (median["component"] - median["floor"]) / median["raw"]
    verdict = "within" if above_calls <= TARGET_ABOVE_FLOOR else "OVER"
    per_key_calls = (calls["component"] - calls["floor"]) / keys
    print(
        f"\n  above the floor: {above_calls:.3f}x in Python calls ({per_key_calls:,.0f} per key), {verdict} the "
        f"{TARGET_ABOVE_FLOOR:.2f}x target; {extra:+.1f} registration per key"
    )
    print(
        f"  CPU time, as a check: {above_cpu:.2f}x above the floor; the raw program alone took "
        f"{min(cpu['raw']):.3f}-{max(cpu['raw']):.3f}s across these runs"
    )
    print("  (the empty component shows what one extra registration per key costs by itself under this engine)\n")


def chain_through(resources: list[RegisteredResource]) -> list[RegisteredResource]:
    """The longest path through parent -> child and dependency edges, first resource first."""
    by_urn = {r.urn: r for r in resources}
    memo: dict[str, list[RegisteredResource]] = {}

    def longest_ending_at(resource: RegisteredResource) -> list[RegisteredResource]:
        if resource.urn not in memo:
            before = [resource.parent_urn, *resource.dependencies]
            paths = [longest_ending_at(by_urn[urn]) for urn in before if urn in by_urn and urn != resource.urn]
            memo[resource.urn] = [*max(paths, key=_chain_order, default=[]), resource]
        return memo[resource.urn]

    return max((longest_ending_at(r) for r in resources), key=_chain_order, default=[])


def _chain_order(chain: list[RegisteredResource]) -> tuple[int, list[str]]:
    """Longest first; equal lengths by names, so the chain shown does not depend on registration order."""
    return len(chain), [r.name for r in chain]


def describe(name: str, args: Mapping[str, Any]) -> tuple[str, str, str]:
    """(resources, chain length, chain) for one key, or "n/a" and why."""
    engine: Optional[MockEngine] = None
    try:
        with mock_pulumi() as engine:
            engine.run(lambda: SecureApiKey(name, dict(args)))  # type: ignore[call-overload]
            resources = engine.resources
    except BackendNotInstalledError as error:
        return "n/a", "", f"SDK not installed ({error.extra} extra)"
    except SecureApiKeyError as error:
        return "n/a", "", f"refused: {error}"
    chain = chain_through(resources)
    roles = ["component" if r.name == name else r.name.removeprefix(f"{name}-")[:24] for r in chain]
    return str(len(resources)), str(len(chain)), " > ".join(roles)


def structure() -> None:
    print("Per backend configuration, one key:\n")
    print(f"  {'configuration':<52}{'resources':>10}{'chain':>7}  longest chain (parent/dependency edges)")
    for title, args in CONFIGURATIONS.items():
        count, depth, chain = describe("key", args)
        print(f"  {title:<52}{count:>10}{depth:>7}  {chain}")


# Top-level modules of the cloud SDKs (deploy-time and run-time) that an import must not drag in.
CLOUD_SDKS = ("pulumi_aws", "pulumi_azure_native", "pulumi_gcp", "boto3", "botocore", "azure", "google.cloud")
_IMPORT_PROBE = """
import sys, time
started = time.perf_counter()
import {module}
elapsed = time.perf_counter() - started
roots = {roots!r}
loaded = sorted({{name for name in sys.modules for root in roots if name == root or name.startswith(root + ".")}})
print(f"{{elapsed * 1000:.0f}}|{{','.join(loaded)}}")
"""


IMPORT_RUNS = 5
"""Fresh interpreters per import timed: one run varies twofold on a shared machine, so a range is printed."""
RESULTS = Path(__file__).resolve().parent / "results" / "imports.json"


def import_check(record: bool = False) -> bool:
    """Import each entry point in fresh interpreters and list the SDK modules it loaded; True when none did.

    With ``record``, the times (milliseconds, min and max of IMPORT_RUNS interpreters) go to RESULTS."""
    print(f"Imports, each in {IMPORT_RUNS} fresh interpreters:\n")
    clean = True
    timings: dict[str, dict[str, int]] = {}
    for module, forbidden in (("ai_keys", CLOUD_SDKS), ("ai_keys.runtime", (*CLOUD_SDKS, "pulumi"))):
        probe = _IMPORT_PROBE.format(module=module, roots=forbidden)
        command = [sys.executable, "-c", probe]  # our own probe, run by this interpreter
        millis: list[int] = []
        loaded = ""
        for _ in range(IMPORT_RUNS):
            line = subprocess.run(command, capture_output=True, text=True, check=True).stdout.strip()  # noqa: S603
            took, loaded_now = line.rsplit("\n", 1)[-1].split("|")
            millis.append(int(took))
            loaded = loaded or loaded_now
        verdict = "loads none of " + ", ".join(forbidden) if not loaded else f"LOADS {loaded}"
        clean = clean and not loaded
        timings[module] = {"min_ms": min(millis), "max_ms": max(millis)}
        print(f"  import {module:<16}{min(millis):>5}-{max(millis)} ms  {verdict}")
    if record:
        python = ".".join(platform.python_version_tuple()[:2])
        document = {"benchmark": "benchmarks/component_overhead.py", "python": python, "runs": IMPORT_RUNS, "imports": timings}
        RESULTS.parent.mkdir(exist_ok=True)
        RESULTS.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
        print(f"\n  recorded in {RESULTS.relative_to(RESULTS.parent.parent.parent)}")
    return clean


def main(argv: list[str]) -> int:
    flags = {arg for arg in argv if arg.startswith("--")}
    unknown = flags - {"--imports-only", "--record"}
    if unknown:
        print(
            f"unknown option {sorted(unknown)[0]}; usage: component_overhead.py [N] [--imports-only] [--record]", file=sys.stderr
        )
        return 2
    positional = [arg for arg in argv if not arg.startswith("--")]
    keys = int(positional[0]) if positional else DEFAULT_KEYS
    if keys < 1:
        print("N must be at least 1", file=sys.stderr)
        return 2
    started = time.perf_counter()
    if "--imports-only" not in flags:
        compare(keys, RUNS)
        structure()
        print()
    clean = import_check(record="--record" in flags)
    print(f"\n(total {time.perf_counter() - started:.1f}s)")
    return 0 if clean else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
