"""The real openai and anthropic SDKs against a local vendor that accepts only the current key.

The key lives in moto. While clients make requests every few milliseconds, it is rotated: a new version
becomes AWSCURRENT in the store and the vendor refuses the old key from then on. The cache's TTL never
runs out (its clock does not move), so only the refresh on a 401 can pick the new key up.
"""

import asyncio
import threading
import time
from typing import Any, Callable, Dict, Iterator, List

import anthropic
import openai
import pytest

from ai_keys.runtime import (
    KeyCache,
    akey_provider,
    anthropic_credentials,
    async_anthropic_credentials,
    async_auth_refresh_hook,
    auth_refresh_hook,
    key_provider,
)

VAULT = "https://kv-ai-keys-sdks.vault.azure.net"  # its own vault: the SDK caches challenges per vault
CLIENTS = 4
REQUESTS_BEFORE = 5
REQUESTS_AFTER = 10


def _store(request: pytest.FixtureRequest, old: str) -> "tuple[str, Callable[[str], None]]":
    """Put ``old`` in the store named by the test's parameter (AWS unless given); returns (ref, rotate to)."""
    store = getattr(request, "param", "aws")
    if store == "aws":
        arn = request.getfixturevalue("make_aws_secret")(old)
        admin = request.getfixturevalue("aws_admin")
        # The new version becomes AWSCURRENT.
        return arn, lambda new: admin.put_secret_value(SecretId=arn, SecretString=new)
    if store == "gcp":
        name = request.getfixturevalue("make_gcp_secret")(old)
        admin = request.getfixturevalue("gcp_admin")
        return name, lambda new: admin.add_secret_version(parent=name, payload={"data": new.encode()})  # the new latest
    stub = request.getfixturevalue("kv_stub")
    stub.set_secret("k", old)
    return f"{VAULT}/secrets/k", lambda new: stub.set_secret("k", new)  # a new current version


@pytest.fixture
def rotation(request: pytest.FixtureRequest, new_value: Callable[[], str], fake_vendor: Any) -> Iterator[Dict[str, Any]]:
    old, new = new_value(), new_value()
    ref, rotate_store = _store(request, old)
    vendor = fake_vendor(old)

    def rotate() -> None:
        rotate_store(new)
        with vendor.lock:
            vendor.key = new

    yield {"arn": ref, "old": old, "new": new, "vendor": vendor, "rotate": rotate}
    vendor.stop()


def check(vendor: Any, old: str, new: str, app_failures: List[BaseException]) -> None:
    """0 failures seen by the app; per client at most one refused attempt, retried at once with the new key."""
    assert app_failures == []
    refused = 0
    for client in (f"c{i}" for i in range(CLIENTS)):
        requests = [(key, status) for who, key, status in vendor.seen if who == client]
        assert len(requests) >= REQUESTS_BEFORE + REQUESTS_AFTER
        failures = [i for i, (_, status) in enumerate(requests) if status != 200]
        assert len(failures) <= 1
        for i in failures:
            assert requests[i + 1] == (new, 200)  # the retry carried the new key
        refused += len(failures)
        first_new = next(i for i, (key, _) in enumerate(requests) if key == new)
        assert all(key == new for key, _ in requests[first_new:])  # never the old key after the refresh
        assert requests[0][0] == old
    assert refused >= 1  # the rotation did happen mid-stream and was noticed


class Schedule:
    """Clients keep making requests; the key is rotated once each made a few, and they stop a while after."""

    def __init__(self) -> None:
        self.made: Dict[str, int] = {f"c{i}": 0 for i in range(CLIENTS)}
        self.after: Dict[str, int] = dict(self.made)
        self.rotated = threading.Event()
        self.failures: List[BaseException] = []

    def ready_to_rotate(self) -> bool:
        return all(count >= REQUESTS_BEFORE for count in self.made.values())

    def record(self, name: str, error: "BaseException | None") -> bool:
        """Count one request; returns whether the client should go on."""
        if error is not None:
            self.failures.append(error)
        self.made[name] += 1
        if self.rotated.is_set():
            self.after[name] += 1
        return self.after[name] < REQUESTS_AFTER and self.made[name] < 2000


def drive(work: Callable[[str, int], None], rotate: Callable[[], None]) -> List[BaseException]:
    """Each client makes requests every ~2 ms in its own thread; the key is rotated in between."""
    schedule = Schedule()

    def client(name: str) -> None:
        going = True
        while going:
            error = None
            try:
                work(name, schedule.made[name])
            except Exception as exc:
                error = exc
            going = schedule.record(name, error)
            time.sleep(0.002)

    threads = [threading.Thread(target=client, args=(f"c{i}",)) for i in range(CLIENTS)]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + 20
    while not schedule.ready_to_rotate() and time.monotonic() < deadline:
        time.sleep(0.002)
    rotate()
    schedule.rotated.set()
    for thread in threads:
        thread.join(30)
    return schedule.failures


@pytest.mark.parametrize("rotation", ["aws", "gcp", "azure"], indirect=True)
def test_openai_picks_up_a_rotated_key_after_one_refused_attempt(
    rotation: Dict[str, Any], make_cache: Callable[..., KeyCache]
) -> None:
    cache = make_cache()
    arn, vendor = rotation["arn"], rotation["vendor"]
    clients = {
        f"c{i}": openai.OpenAI(
            api_key=key_provider(arn, cache=cache),
            base_url=vendor.url + "/v1",
            default_headers={"x-client": f"c{i}"},
            http_client=openai.DefaultHttpxClient(event_hooks={"response": [auth_refresh_hook(arn, cache=cache)]}),
        )
        for i in range(CLIENTS)
    }
    failures = drive(lambda name, i: clients[name].models.list(), rotation["rotate"])
    check(vendor, rotation["old"], rotation["new"], failures)
    assert cache.stats().refreshes == 2  # the first read and one refresh for all four clients


def test_anthropic_picks_up_a_rotated_key_after_one_refused_attempt(
    rotation: Dict[str, Any], make_cache: Callable[..., KeyCache]
) -> None:
    cache = make_cache()
    arn, vendor = rotation["arn"], rotation["vendor"]
    clients = {
        f"c{i}": anthropic.Anthropic(
            credentials=anthropic_credentials(arn, cache=cache), base_url=vendor.url, default_headers={"x-client": f"c{i}"}
        )
        for i in range(CLIENTS)
    }
    failures = drive(lambda name, i: clients[name].models.list(), rotation["rotate"])
    check(vendor, rotation["old"], rotation["new"], failures)


def test_plain_helper_for_other_clients(rotation: Dict[str, Any], make_cache: Callable[..., KeyCache]) -> None:
    from ai_keys.runtime import refresh_on_auth_error

    cache = make_cache()
    arn = rotation["arn"]
    assert cache.get(arn) == rotation["old"]
    rotation["rotate"]()
    assert cache.get(arn) == rotation["old"]  # the TTL has not run out
    assert refresh_on_auth_error(arn, rotation["old"], cache=cache) is True
    assert cache.get(arn) == rotation["new"]
    assert refresh_on_auth_error(arn, rotation["old"], cache=cache) is True  # already replaced: nothing read
    # The store still holds the refused value (revoked at the vendor, not rotated), and it was re-read
    # less than a second ago: not read again, no retry.
    assert refresh_on_auth_error(arn, rotation["new"], cache=cache) is False
    assert cache.stats().refreshes == 2


async def _async_drive(work: Callable[[str], Any], rotate: Callable[[], None]) -> List[BaseException]:
    schedule = Schedule()

    async def client(name: str) -> None:
        going = True
        while going:
            error = None
            try:
                await work(name)
            except Exception as exc:
                error = exc
            going = schedule.record(name, error)
            await asyncio.sleep(0.002)

    async def rotator() -> None:
        while not schedule.ready_to_rotate():
            await asyncio.sleep(0.002)
        await asyncio.to_thread(rotate)
        schedule.rotated.set()

    await asyncio.gather(rotator(), *(client(f"c{i}") for i in range(CLIENTS)))
    return schedule.failures


def test_async_openai_picks_up_a_rotated_key(rotation: Dict[str, Any], make_cache: Callable[..., KeyCache]) -> None:
    cache = make_cache()
    arn, vendor = rotation["arn"], rotation["vendor"]

    async def main() -> List[BaseException]:
        clients = {
            f"c{i}": openai.AsyncOpenAI(
                api_key=akey_provider(arn, cache=cache),
                base_url=vendor.url + "/v1",
                default_headers={"x-client": f"c{i}"},
                http_client=openai.DefaultAsyncHttpxClient(event_hooks={"response": [async_auth_refresh_hook(arn, cache=cache)]}),
            )
            for i in range(CLIENTS)
        }
        return await _async_drive(lambda name: clients[name].models.list(), rotation["rotate"])

    failures = asyncio.run(main())
    check(vendor, rotation["old"], rotation["new"], failures)


def test_async_anthropic_picks_up_a_rotated_key(rotation: Dict[str, Any], make_cache: Callable[..., KeyCache]) -> None:
    cache = make_cache()
    arn, vendor = rotation["arn"], rotation["vendor"]

    async def main() -> List[BaseException]:
        clients = {
            f"c{i}": anthropic.AsyncAnthropic(
                credentials=async_anthropic_credentials(arn, cache=cache),
                base_url=vendor.url,
                default_headers={"x-client": f"c{i}"},
            )
            for i in range(CLIENTS)
        }
        return await _async_drive(lambda name: clients[name].models.list(), rotation["rotate"])

    failures = asyncio.run(main())
    check(vendor, rotation["old"], rotation["new"], failures)
