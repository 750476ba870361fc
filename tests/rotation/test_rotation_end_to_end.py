"""Managed rotation end to end: every issuer on its same-cloud store, 100 rotations while app clients keep calling.

For each pair of :data:`~ai_keys.testing.rotation_drill.PAIRS`, one drill of :data:`ROTATIONS` rotations with an
openai and an anthropic client reading the key through ``ai_keys.runtime``: no request fails as the app sees it, a
client is refused at most once per rotation, never more than two keys are live, the previous key stays valid at
least one period, no key is lost and no key value reaches a log line. Then the same pair with every fault of
:data:`~ai_keys.testing.rotation_drill.FAULTS` (a crash between steps, duplicate and concurrent deliveries, the
vendor's 500 and 429, a failed store write): each converges on a later run, with no key lost and never three live.

The drills run in two worker processes, started once for the module, longest first: each drill is mostly CPU of its
own process (botocore and the SDKs logging at DEBUG for the canary, moto answering in-process), so two at a time use
both cores of a small machine.
"""

import concurrent.futures
import functools
import json
import multiprocessing
import urllib.error
import urllib.request
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone

import pytest

from ai_keys.runtime import KeyCache
from ai_keys.testing import rotation_drill
from ai_keys.testing.rotation_drill import FAULTS, PAIRS, DrillReport, run_drill
from ai_keys.testing.stand_ins import IdentityStandIn, KeyVaultStandIn, SimClock

ROTATIONS = 100
FAULT_ROTATIONS = 10
"""Enough for every fault to get its own rotation (at most 8 faults), and one plain rotation after them."""
CLIENTS = 2
"""One openai client and one anthropic client (the drill alternates them)."""
GAP_SECONDS = 0.05
"""The least real time between two rotations."""
CACHE_TTL_SECONDS = 0.0225
"""Below half the gap (the drill's cache rule), so a client reads the store between a write and the next revoke."""
PAUSE_SECONDS = 0.05
"""Between two requests of one client: every client still calls within every window (the drill waits for it)."""
EVERY_DAYS = 30
TIMEOUT = 600.0
# Longest first, so the two workers finish close together (API Gateway's probe and data plane read moto the most).
ORDER = {
    ("aws_api_gateway", "aws"): 0,
    ("bedrock", "aws"): 1,
    ("openai", "aws"): 2,
    ("gemini", "gcp"): 3,
    ("azure_ai_services", "azure"): 4,
    ("azure_api_management", "azure"): 5,
    ("openai", "azure"): 6,
}

Drills = dict[tuple[str, str, bool], "concurrent.futures.Future[DrillReport]"]


def _ids(pair: tuple[str, str]) -> str:
    return f"{pair[0]}-{pair[1]}"


@pytest.fixture(scope="module")
def drills() -> Iterator[Drills]:
    """Every drill of the module, submitted at once to two worker processes; each test waits for its own."""
    # spawn: a forked child would inherit the test process's server threads and their locks.
    context = multiprocessing.get_context("spawn")
    jobs = sorted(((pair, False) for pair in PAIRS), key=lambda job: ORDER.get(job[0], -1))
    jobs += sorted(((pair, True) for pair in PAIRS), key=lambda job: ORDER.get(job[0], -1))
    with concurrent.futures.ProcessPoolExecutor(max_workers=2, mp_context=context) as pool:
        futures: Drills = {}
        for (issuer, store), faults in jobs:
            drill = functools.partial(
                run_drill,
                issuer,
                store,
                rotations=FAULT_ROTATIONS if faults else ROTATIONS,
                clients=CLIENTS,
                gap_seconds=GAP_SECONDS,
                cache_ttl_seconds=CACHE_TTL_SECONDS,
                pause_seconds=PAUSE_SECONDS,
                every_days=EVERY_DAYS,
                faults=faults,
            )
            futures[(issuer, store, faults)] = pool.submit(drill)
        try:
            yield futures
        finally:
            for future in futures.values():
                future.cancel()


def _report(drills: Drills, pair: tuple[str, str], faults: bool) -> DrillReport:
    return drills[(pair[0], pair[1], faults)].result(timeout=TIMEOUT)


def test_every_pair_has_a_drill_in_the_order() -> None:
    assert set(ORDER) == set(PAIRS)


def _get(url: str, token: str) -> tuple[int, dict[str, str]]:
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"})  # noqa: S310 - 127.0.0.1
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:  # noqa: S310
            return int(answer.status), dict(answer.headers.items())
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers.items())


def test_the_key_vault_stand_in_takes_the_sdks_api_version_and_challenges_an_expired_token() -> None:
    """azure-keyvault-secrets 4.12 sends api-version 2026-04-01 by default; a token that expired while a request was
    in flight (the drill moves its clock a period at once) gets the Bearer challenge, which makes the SDK fetch a
    new token and send the request again, instead of a bare 401 that fails the app's read."""
    clock = SimClock(datetime(2026, 1, 1, tzinfo=timezone.utc))
    with IdentityStandIn(clock=clock) as identity, KeyVaultStandIn(clock=clock, identity=identity) as vault:
        vault.set_secret("k", "v")
        query = "resource=https://vault.azure.net&api-version=2019-08-01"
        request = urllib.request.Request(f"{identity.endpoint}?{query}", headers={"X-IDENTITY-HEADER": identity.header})  # noqa: S310
        with urllib.request.urlopen(request, timeout=10) as answer:  # noqa: S310 - 127.0.0.1
            token = json.load(answer)["access_token"]
        for version in ("7.4", "7.6", "2025-07-01", "2026-04-01"):
            assert _get(f"{vault.url}/secrets/k?api-version={version}", token)[0] == 200, version
        assert _get(f"{vault.url}/secrets/k?api-version=2099-01-01", token)[0] == 400
        clock.advance(timedelta(seconds=identity.lifetime + 1))
        status, headers = _get(f"{vault.url}/secrets/k?api-version=2026-04-01", token)
        assert status == 401
        challenge = headers["WWW-Authenticate"]
        assert challenge.startswith("Bearer ")
        assert 'resource="https://vault.azure.net"' in challenge
        assert 'error="invalid_token"' in challenge


def test_an_app_reads_key_vault_through_the_drills_client_factory() -> None:
    """The drill's transport sends the vault's https URL to the stand-in and puts it back after each send: Key
    Vault's challenge policy sends the same request a second time, with the token, and checks it is https."""
    clock = SimClock(datetime(2026, 1, 1, tzinfo=timezone.utc))
    rig = rotation_drill._rig("openai", "azure", clock, EVERY_DAYS, False, None)
    try:
        rig.first()
        cache = KeyCache(ttl_seconds=60, client_factory=rig.client_factory())
        assert cache.get(rig.ref) == rig.current_value()
    finally:
        rig.close()


@pytest.mark.parametrize("pair", PAIRS, ids=_ids)
def test_a_hundred_rotations_under_load_fail_no_request(drills: Drills, pair: tuple[str, str]) -> None:
    report = _report(drills, pair, faults=False)
    # The figures were measured over the whole run: every rotation, every window, every client.
    assert (report.issuer, report.store) == pair
    assert report.rotations == ROTATIONS
    assert report.windows == ROTATIONS + 1
    assert report.clients == CLIENTS >= 2  # an openai and an anthropic client
    assert report.min_requests_per_window >= 1  # each client called in each window
    assert report.requests >= CLIENTS * report.windows
    assert report.previous_checked >= ROTATIONS - 1  # every key but the last two was revoked and checked
    assert report.canary_records > 0
    assert not report.faults
    # The targets.
    assert report.failed_requests == 0, report.failures
    # retried_max: the most 401/403 answers one client got within one rotation window (each then retried once).
    assert report.retried_max <= 1
    assert report.retried_total <= report.windows * CLIENTS
    assert report.max_live <= 2
    assert report.previous_valid_days_min is not None
    assert report.previous_valid_days_min >= EVERY_DAYS
    assert report.keys_lost == 0
    assert report.canary_leaks == ()
    assert report.ok, report.targets()


@pytest.mark.parametrize("pair", PAIRS, ids=_ids)
def test_every_fault_converges_with_no_key_lost(drills: Drills, pair: tuple[str, str]) -> None:
    report = _report(drills, pair, faults=True)
    expected = [kind for kind in FAULTS if kind != "crash-between-steps" or pair[1] == "aws"]
    assert [run.kind for run in report.faults] == expected
    assert len({run.rotation for run in report.faults}) == len(expected)  # one rotation each
    for run in report.faults:
        assert run.converged, run
        assert not run.key_lost, run
        assert run.most_live <= 2, run
    assert report.rotations == FAULT_ROTATIONS
    assert report.failed_requests == 0, report.failures
    assert report.retried_max <= 1
    assert report.max_live <= 2
    assert report.keys_lost == 0
    assert report.canary_records > 0
    assert report.canary_leaks == ()
    assert report.ok, report.targets()
