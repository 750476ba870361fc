"""Managed rotation, end to end: every issuer on its same-cloud store, rotated while app clients keep calling.

    python benchmarks/rotation.py                      # every pair, 100 rotations each
    python benchmarks/rotation.py gemini/gcp           # one pair (ISSUER/STORE, as in PAIRS)
    python benchmarks/rotation.py --rotations 20       # fewer rotations
    python benchmarks/rotation.py --record             # every pair, written to benchmarks/results/rotation.json

Each pair runs :func:`ai_keys.testing.rotation_drill.run_drill`: the store's emulator and the vendor's stand-in on
127.0.0.1, the rotator's real entry point driven as the cloud drives it, on a simulated clock moved one period
(30 days) between two rotations, while CLIENTS app clients (half ``openai.OpenAI``, half ``anthropic.Anthropic``)
read the key through ``ai_keys.runtime`` and send requests in their own threads. Printed per pair, with its
target: rotations, requests, failed requests (target 0), retried requests per client per rotation (target <= 1),
max live keys (target <= 2), the shortest time a previous key stayed valid (target >= one period), and the log
records searched for key values (the canary, target no leak).

Then the cold start of the rotator's functions, from the package as it ships (``ai_keys.rotation.package``: the
rotator's files under ``aikeys_rotator/`` beside each cloud's entry), each in fresh interpreters, median of RUNS:

* AWS: ``import aikeys_rotator.aws_lambda`` plus the handler's first call, beside a bare ``import boto3`` timed in
  the same run, as a ratio (target <= 1.2x). That first call ends at the settings (``AIKEYS_ISSUER`` unset): the
  rotator's own cost, before any AWS SDK is loaded (the handler imports boto3 only when it makes its clients).
* Then, in the same interpreter, a whole ``createSecret`` step up to its first Secrets Manager call, answered at
  once by a local endpoint (the secret is not found): loading boto3 and making the three clients (Secrets Manager
  with and without retries, IAM), which a real first invocation adds. Printed beside ``import boto3`` (no target:
  most of it is boto3's own import and its service models) and beside a bare boto3 function that makes the clients
  of the same services and the same first call, in fresh interpreters too (target <= 1.2x: what the rotator adds).
* GCP and Azure: ``import aikeys_rotator.gcp_function`` / ``azure_function`` (standard library only), beside the
  same ``import boto3`` for scale.

And the Lambda zip's size (the AWS archive's files, deflated). Times depend on the machine: the ratios are what to
compare. Needs the ``test`` extra (moto, drongo, openai, anthropic, the runtime's cloud SDKs); nothing here
contacts anything outside 127.0.0.1.
"""

import io
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import threading
import zipfile
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional, Sequence, Tuple

from ai_keys.rotation.package import entry_texts, package_files
from ai_keys.testing.rotation_drill import PAIRS, DrillReport, run_drill

ROTATIONS = 100
"""Rotations per pair (the issue's floor)."""
CLIENTS = 2
"""App clients per pair: one openai, one anthropic."""
GAP_SECONDS = 0.05
"""The least real time between two rotations; the clients' cache TTL is just under half of it (the cache rule)."""
PAUSE_SECONDS = 0.05
"""Each client's wait between two requests."""
EVERY_DAYS = 30
RUNS = 5
"""Fresh interpreters per timing; the median is kept."""
TARGET_RATIO = 1.2
"""The AWS handler's import and first call, at most this many times a bare ``import boto3``."""
RESULTS = Path(__file__).resolve().parent / "results" / "rotation.json"
HANDLERS = {"aws": "aws_lambda", "gcp": "gcp_function", "azure": "azure_function"}
"""The module of each cloud's entry, in the shipped package."""

_BOTO3 = """
import time
started = time.perf_counter()
import boto3
print(round((time.perf_counter() - started) * 1000, 3))
"""

_BOTO3_STEP = """
import sys, time
started = time.perf_counter()
import boto3
session = boto3.session.Session()
secrets, iam = session.client("secretsmanager"), session.client("iam")
try:
    secrets.describe_secret(SecretId=sys.argv[1])
except Exception:  # the local endpoint finds no secret, as for the handler
    pass
print(round((time.perf_counter() - started) * 1000, 3))
"""
"""A bare boto3 function doing what the handler's step does up to its first answer: boto3 loaded, the clients of the
same services made (Secrets Manager, IAM), the same first call."""

_IMPORT = """
import sys, time
sys.path.insert(0, sys.argv[1])
started = time.perf_counter()
import aikeys_rotator.{module}
print(round((time.perf_counter() - started) * 1000, 3))
"""

_FIRST_CALL = """
import os, sys, time
sys.path.insert(0, sys.argv[1])
event = {"Step": "createSecret", "SecretId": sys.argv[2], "ClientRequestToken": "00000000-0000-4000-8000-000000000000"}
issuer = os.environ.pop("AIKEYS_ISSUER")
started = time.perf_counter()
from aikeys_rotator.aws_lambda import handler
imported = time.perf_counter()
try:
    handler(event, None)
    first = "returned"
except Exception as error:  # AIKEYS_ISSUER is not set: the call ends at the settings
    first = type(error).__name__
settings = time.perf_counter()
os.environ["AIKEYS_ISSUER"] = issuer
try:
    handler(event, None)
    second = "returned"
except Exception as error:  # the local endpoint finds no secret: the call ends at its first AWS answer
    second = type(error).__name__
done = time.perf_counter()
ms = [round((b - a) * 1000, 3) for a, b in ((started, imported), (imported, settings), (settings, done))]
print(*ms, first, second)
"""

SECRET_ARN = "arn:aws:secretsmanager:us-east-1:123456789012:secret:ai-keys-benchmark-AbCdEf"


# ------------------------------------------------------------------------------------------------ drills


def drill(issuer: str, store: str, rotations: int = ROTATIONS) -> DrillReport:
    """One drill with the benchmark's settings."""
    return run_drill(
        issuer,
        store,
        rotations=rotations,
        clients=CLIENTS,
        gap_seconds=GAP_SECONDS,
        cache_ttl_seconds=GAP_SECONDS * 0.45,
        pause_seconds=PAUSE_SECONDS,
        every_days=EVERY_DAYS,
    )


def drill_figures(report: DrillReport) -> Dict[str, Any]:
    """What the benchmark keeps of one drill (counts only: no key value is in a report)."""
    valid = report.previous_valid_days_min
    return {
        "issuer": report.issuer,
        "store": report.store,
        "rotations": report.rotations,
        "clients": report.clients,
        "requests": report.requests,
        "failed_requests": report.failed_requests,
        "retried_per_client_per_rotation": report.retried_max,
        "retried_total": report.retried_total,
        "max_live_keys": report.max_live,
        "previous_valid_days_min": None if valid is None else round(valid, 2),
        "every_days": report.every_days,
        "keys_lost": report.keys_lost,
        "canary_records": report.canary_records,
        "canary_leaks": len(report.canary_leaks),
        "seconds": round(report.seconds, 1),
    }


def drill_met(figures: Dict[str, Any]) -> Dict[str, bool]:
    """Each drill target and whether ``figures`` meet it."""
    valid = figures["previous_valid_days_min"]
    return {
        "failed requests": figures["failed_requests"] == 0,
        "retried per client per rotation": figures["retried_per_client_per_rotation"] <= 1,
        "max live keys": figures["max_live_keys"] <= 2,
        "previous key valid": valid is not None and valid >= figures["every_days"],
        "keys lost": figures["keys_lost"] == 0,
        "canary": figures["canary_leaks"] == 0 and figures["canary_records"] > 0,
    }


# ---------------------------------------------------------------------------------------------- handlers


def write_package(folder: Path, cloud: str) -> None:
    """The archive ``ai_keys.rotation.package.archive(cloud)`` deploys, as files in ``folder``."""
    for path, source in package_files():
        target = folder / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(source.read_bytes())
    for path, text in entry_texts(cloud).items():  # type: ignore[arg-type]
        (folder / path).write_text(text, encoding="utf-8")


def lambda_zip_bytes() -> int:
    """The Lambda zip's size in bytes: the AWS archive's files, deflated, as ``pulumi`` zips an ``AssetArchive``."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as bundle:
        files = {path: source.read_bytes() for path, source in package_files()}
        files |= {path: text.encode() for path, text in entry_texts("aws").items()}
        for path in sorted(files):
            bundle.writestr(path, files[path])
    return len(buffer.getvalue())


class _NotFound(BaseHTTPRequestHandler):
    """Every AWS call answered at once: the secret does not exist (a JSON-protocol error, not retried)."""

    protocol_version = "HTTP/1.1"

    def log_message(self, *args: object) -> None:
        pass

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        body = b'{"__type": "ResourceNotFoundException", "message": "Secrets Manager can\'t find the specified secret."}'
        self.send_response(400)
        self.send_header("Content-Type", "application/x-amz-json-1.1")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def _environment(endpoint: str) -> Dict[str, str]:
    """The interpreter's environment: what the deploy sets for a bedrock rotator, every AWS endpoint on 127.0.0.1."""
    kept = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "AIKEYS_", "PYTHON"))}
    return kept | {
        "AWS_ACCESS_KEY_ID": "benchmark",
        "AWS_SECRET_ACCESS_KEY": "benchmark",
        "AWS_REGION": "us-east-1",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_EC2_METADATA_DISABLED": "true",
        "AWS_ENDPOINT_URL": endpoint,
        "AWS_ENDPOINT_URL_IAM": endpoint,
        "AIKEYS_ISSUER": "bedrock",
        "AIKEYS_STORE": "aws",
        "AIKEYS_SECRET": SECRET_ARN,
        "AIKEYS_EVERY_DAYS": str(EVERY_DAYS),
        "AIKEYS_KEY_PREFIX": "aikeys-benchmark-",
        "AIKEYS_IAM_USER": "ai-keys-benchmark",
        "AIKEYS_CREDENTIAL_AGE_DAYS": str(2 * EVERY_DAYS + 30),
    }


def _run(code: str, env: Dict[str, str], *args: str) -> List[str]:
    done = subprocess.run(  # noqa: S603 - this interpreter, with fixed code
        [sys.executable, "-c", code, *args], env=env, capture_output=True, text=True, timeout=120, check=False
    )
    if done.returncode != 0:
        raise RuntimeError(f"a timing interpreter failed: {done.stderr.strip().splitlines()[-1:]}")
    return done.stdout.split()


def _serve_not_found() -> Tuple[ThreadingHTTPServer, str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _NotFound)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"


def handler_timings(runs: int = RUNS) -> Dict[str, Any]:
    """Median milliseconds over ``runs`` fresh interpreters each, interleaved: ``import boto3``, the AWS handler's
    import and first call, and the GCP and Azure entries' imports; with the first call's outcome."""
    server, endpoint = _serve_not_found()
    samples: Dict[str, List[float]] = {
        "boto3": [],
        "boto3_step": [],
        "aws_import": [],
        "aws_first_call": [],
        "aws_first_aws_call": [],
        "gcp": [],
        "azure": [],
    }
    outcomes: set[Tuple[str, str]] = set()
    try:
        with tempfile.TemporaryDirectory(prefix="aikeys-rotator-") as temp:
            folders = {}
            for cloud in HANDLERS:
                folders[cloud] = Path(temp) / cloud
                folders[cloud].mkdir()
                write_package(folders[cloud], cloud)
            env = _environment(endpoint)
            for _ in range(runs):
                samples["boto3"].append(float(_run(_BOTO3, env)[0]))
                samples["boto3_step"].append(float(_run(_BOTO3_STEP, env, SECRET_ARN)[0]))
                imported, called, reached, first, second = _run(_FIRST_CALL, env, str(folders["aws"]), SECRET_ARN)
                samples["aws_import"].append(float(imported))
                samples["aws_first_call"].append(float(called))
                samples["aws_first_aws_call"].append(float(reached))
                outcomes.add((first, second))
                for cloud in ("gcp", "azure"):
                    code = _IMPORT.replace("{module}", HANDLERS[cloud])
                    samples[cloud].append(float(_run(code, env, str(folders[cloud]))[0]))
    finally:
        server.shutdown()
        server.server_close()
    medians = {name: round(statistics.median(values), 1) for name, values in samples.items()}
    totals = [i + c for i, c in zip(samples["aws_import"], samples["aws_first_call"], strict=True)]
    medians["aws_total"] = round(statistics.median(totals), 1)
    with_clients = [t + r for t, r in zip(totals, samples["aws_first_aws_call"], strict=True)]
    medians["aws_total_with_clients"] = round(statistics.median(with_clients), 1)
    return {
        "runs": runs,
        "median_ms": medians,
        "aws_ratio": round(medians["aws_total"] / medians["boto3"], 2),
        "aws_ratio_with_clients": round(medians["aws_total_with_clients"] / medians["boto3"], 2),
        "aws_step_ratio": round(medians["aws_total_with_clients"] / medians["boto3_step"], 2),
        "first_call_outcomes": sorted({o for pair in outcomes for o in pair}),
    }


# ------------------------------------------------------------------------------------------------ figures


def rows(document: Dict[str, Any]) -> List[str]:
    """The Markdown table of the drills in ``document`` (benchmarks/results/rotation.json), as docs/benchmarks.md
    shows it."""
    lines = [
        "| issuer | store | rotations | requests | failed requests | retried per client per rotation (max) "
        "| max live keys | previous key valid (days, min) | log records searched | key values found |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for pair in document["pairs"]:
        valid = pair["previous_valid_days_min"]
        lines.append(
            f"| `{pair['issuer']}` | {pair['store']} | {pair['rotations']} | {pair['requests']:,} "
            f"| {pair['failed_requests']} | {pair['retried_per_client_per_rotation']} | {pair['max_live_keys']} "
            f"| {'-' if valid is None else f'{valid:g}'} | {pair['canary_records']:,} | {pair['canary_leaks']} |"
        )
    return lines


def handler_rows(document: Dict[str, Any]) -> List[str]:
    """The Markdown table of the handlers' cold starts in ``document``, as docs/benchmarks.md shows it."""
    handlers = document["handlers"]
    ms = handlers["median_ms"]
    boto3 = ms["boto3"]
    return [
        "| function | measured (median ms) | bare `import boto3` (median ms) | ratio | target |",
        "|---|---:|---:|---:|---:|",
        f"| AWS: `import aikeys_rotator.aws_lambda` + first call | {ms['aws_total']:g} | {boto3:g} "
        f"| {handlers['aws_ratio']:.2f}x | ≤ {TARGET_RATIO}x |",
        f"| AWS: the same, then a `createSecret` step up to its first AWS answer | {ms['aws_total_with_clients']:g} "
        f"| {boto3:g} | {handlers['aws_ratio_with_clients']:.2f}x | |",
        f"| AWS: that step, beside a bare boto3 function making the same clients and call "
        f"({ms['boto3_step']:g} ms) | {ms['aws_total_with_clients']:g} | | {handlers['aws_step_ratio']:.2f}x "
        f"| ≤ {TARGET_RATIO}x |",
        f"| GCP: `import aikeys_rotator.gcp_function` | {ms['gcp']:g} | {boto3:g} | {ms['gcp'] / boto3:.2f}x | |",
        f"| Azure: `import aikeys_rotator.azure_function` | {ms['azure']:g} | {boto3:g} | {ms['azure'] / boto3:.2f}x | |",
    ]


def setup() -> Dict[str, Any]:
    """The fixed settings the figures come from, as recorded."""
    return {
        "rotations": ROTATIONS,
        "clients": CLIENTS,
        "gap_seconds": GAP_SECONDS,
        "pause_seconds": PAUSE_SECONDS,
        "every_days": EVERY_DAYS,
        "runs": RUNS,
    }


def _pairs(names: Sequence[str]) -> Iterator[Tuple[str, str]]:
    for name in names:
        issuer, _, store = name.partition("/")
        if (issuer, store) not in PAIRS:
            raise ValueError(f"{name}: expected one of {', '.join(f'{i}/{s}' for i, s in PAIRS)}")
        yield issuer, store


def run(pairs: Sequence[Tuple[str, str]], rotations: int = ROTATIONS, runs: int = RUNS) -> Dict[str, Any]:
    """Drill each pair and time the handlers, printing the figures; returns the document ``--record`` writes."""
    document: Dict[str, Any] = {
        "benchmark": "benchmarks/rotation.py",
        "python": ".".join(platform.python_version_tuple()[:2]),
        "setup": setup() | {"rotations": rotations, "runs": runs},
        "pairs": [],
    }
    print(
        f"{rotations} rotations per pair, a simulated period of {EVERY_DAYS} days between two; {CLIENTS} app clients "
        f"(openai, anthropic), a request every {PAUSE_SECONDS:g} s each, at least {GAP_SECONDS:g} s between rotations.\n"
    )
    for issuer, store in pairs:
        figures = drill_figures(drill(issuer, store, rotations))
        document["pairs"].append(figures)
        met = drill_met(figures)
        verdict = "all targets met" if all(met.values()) else "MISSED: " + ", ".join(k for k, ok in met.items() if not ok)
        print(f"  {issuer} on {store}: {figures['seconds']} s, {verdict}")
        print(f"    rotations                        {figures['rotations']}")
        print(f"    requests                         {figures['requests']}")
        print(f"    failed requests                  {figures['failed_requests']}  (target 0)")
        print(f"    retried per client per rotation  {figures['retried_per_client_per_rotation']}  (target <= 1)")
        print(f"    max live keys                    {figures['max_live_keys']}  (target <= 2)")
        print(f"    previous key valid, days (min)   {figures['previous_valid_days_min']}  (target >= {EVERY_DAYS})")
        print(f"    canary: records, leaks           {figures['canary_records']}, {figures['canary_leaks']}  (target 0)")
    document["handlers"] = handler_timings(runs)
    document["lambda_zip_bytes"] = lambda_zip_bytes()
    handlers = document["handlers"]
    ms = handlers["median_ms"]
    print(f"\nCold starts, median of {runs} fresh interpreters:")
    print(f"  import boto3                                  {ms['boto3']:8.1f} ms")
    print(
        f"  AWS handler: import + first call             {ms['aws_total']:8.1f} ms  ({ms['aws_import']:g} + "
        f"{ms['aws_first_call']:g}; the call stops at the settings)"
    )
    print(f"    ratio                                       {handlers['aws_ratio']:8.2f}x  (target <= {TARGET_RATIO}x)")
    print(
        f"  AWS handler: ... + a step to its first AWS answer {ms['aws_total_with_clients']:4.1f} ms  "
        f"({handlers['aws_ratio_with_clients']:.2f}x boto3: boto3 loaded, three clients made)"
    )
    print(
        f"  bare boto3: the same clients and first call {ms['boto3_step']:8.1f} ms  "
        f"(handler's step {handlers['aws_step_ratio']:.2f}x of it, target <= {TARGET_RATIO}x)"
    )
    print(f"    the calls ended with                        {', '.join(handlers['first_call_outcomes'])}")
    print(f"  GCP entry: import                             {ms['gcp']:8.1f} ms  ({ms['gcp'] / ms['boto3']:.2f}x boto3)")
    print(f"  Azure entry: import                           {ms['azure']:8.1f} ms  ({ms['azure'] / ms['boto3']:.2f}x boto3)")
    print(f"  Lambda zip                                    {document['lambda_zip_bytes']:8,} bytes")
    print()
    for line in [*rows(document), "", *handler_rows(document)]:
        print(line)
    return document


def met(document: Dict[str, Any]) -> Dict[str, bool]:
    """Every target of ``document`` and whether it is met (per pair, and the AWS handler's ratio)."""
    verdicts = {
        f"{pair['issuer']}/{pair['store']}: {name}": ok for pair in document["pairs"] for name, ok in drill_met(pair).items()
    }
    verdicts["aws handler ratio"] = document["handlers"]["aws_ratio"] <= TARGET_RATIO
    verdicts["aws step vs bare boto3"] = document["handlers"]["aws_step_ratio"] <= TARGET_RATIO
    return verdicts


def main(argv: List[str], *, results: Optional[Path] = None) -> int:
    """``python benchmarks/rotation.py [ISSUER/STORE ...] [--rotations N] [--runs N] [--record]``; returns the exit
    status (1 when a target is missed)."""
    usage = "usage: rotation.py [ISSUER/STORE ...] [--rotations N] [--runs N] [--record]"
    args = list(argv)
    numbers = {"--rotations": ROTATIONS, "--runs": RUNS}
    for flag in numbers:
        while flag in args:
            at = args.index(flag)
            try:
                numbers[flag] = int(args[at + 1])
            except (IndexError, ValueError):
                print(f"{flag} needs a whole number; {usage}", file=sys.stderr)
                return 2
            del args[at : at + 2]
    flags = {arg for arg in args if arg.startswith("--")}
    if flags - {"--record"}:
        print(f"unknown option {sorted(flags - {'--record'})[0]}; {usage}", file=sys.stderr)
        return 2
    names = [arg for arg in args if not arg.startswith("--")]
    try:
        pairs = list(_pairs(names)) or list(PAIRS)
    except ValueError as error:
        print(error, file=sys.stderr)
        return 2
    if numbers["--rotations"] < 1 or numbers["--runs"] < 1:
        print("--rotations and --runs must be at least 1", file=sys.stderr)
        return 2
    record = "--record" in flags
    if record and (pairs != list(PAIRS) or numbers != {"--rotations": ROTATIONS, "--runs": RUNS}):
        print("--record records every pair with the default settings: give no pair, --rotations or --runs", file=sys.stderr)
        return 2
    document = run(pairs, numbers["--rotations"], numbers["--runs"])
    verdicts = met(document)
    missed = [name for name, ok in verdicts.items() if not ok]
    print("\nall targets met" if not missed else "\nMISSED: " + "; ".join(missed))
    if record:
        target = results or RESULTS
        target.parent.mkdir(exist_ok=True)
        target.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
        print(f"\n  recorded in {target.relative_to(target.parent.parent.parent) if results is None else target}")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
