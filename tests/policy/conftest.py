"""Shared helpers for the policy pack tests.

The policy pack is not an installed package: ``policy/`` is put on ``sys.path`` here so the tests
can import ``ai_keys_policy`` (and ``tests/policy/`` so they can import the corpus modules).
``policy/__main__.py`` is never imported (it starts a server).

Every fake key is built in code from an obvious ``FAKE`` filler, so no real-looking key literal
sits in the repository.
"""

from __future__ import annotations

import base64
import random
import string
import sys
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, NamedTuple

import pytest

POLICY_DIR = Path(__file__).resolve().parents[2] / "policy"
# The corpus modules (corpus.py, corpus_eval.py) are imported by name, by the tests and the benchmark.
for _path in (POLICY_DIR, Path(__file__).resolve().parent):
    if str(_path) not in sys.path:
        sys.path.insert(0, str(_path))

from pulumi_policy import (  # noqa: E402
    PolicyCustomTimeouts,
    PolicyResource,
    PolicyResourceOptions,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
)
from pulumi_policy.proxy import unknown_checking_proxy  # noqa: E402


def random_token(seed: int, alphabet: str, length: int) -> str:
    """A random-looking token, the same on every run."""
    rng = random.Random(seed)
    return "".join(rng.choice(alphabet) for _ in range(length))


class FakeKeys:
    """Synthetic values that match the detectors' patterns but are obviously not real keys."""

    OPENAI = "sk-" + "FAKE" * 12  # legacy shape: sk- and 48 letters/digits
    OPENAI_PROJECT = "sk-proj-" + "FAKE_fake-" * 8
    ANTHROPIC = "sk-ant-api03-" + "FAKE" * 23 + "AA"
    AWS_KEY_ID = "AKIA" + "FAKE" * 4
    AWS_TEMP_KEY_ID = "ASIA" + "FAKE" * 4
    GOOGLE = "AIza" + "FAKE" * 8 + "FAK"  # AIza and exactly 35 characters
    GOOGLE_AUTH = "AQ." + "FAKE_fake-" * 5  # an authorization key, bound to a service account
    # Bedrock long-term: ABSK and base64 of "<user>-at-<account>:<secret>"; short-term: a presigned URL in base64.
    BEDROCK = "ABSK" + base64.b64encode(b"BedrockAPIKey-fake-at-123456789012:" + b"FAKE" * 15).decode()
    BEDROCK_SHORT_TERM = (
        "bedrock-api-key-"
        + base64.b64encode(
            b"bedrock.amazonaws.com/?Action=CallWithBearerToken&X-Amz-Credential=FAKE%2Fbedrock%2Faws4_request"
            b"&X-Amz-Signature=" + b"fa4e" * 16 + b"&Version=1"
        ).decode()
    )
    # Random-looking values without a known prefix, generated from fixed seeds.
    HIGH_ENTROPY = random_token(1, string.ascii_letters + string.digits, 40)
    HEX = random_token(2, "0123456789abcdef", 32)

    ALL_PATTERNS: tuple[tuple[str, str, str], ...] = (
        # (attribute name, kind label, hint shown in messages)
        ("OPENAI", "OpenAI API key", "sk-…"),
        ("OPENAI_PROJECT", "OpenAI API key", "sk-…"),
        ("ANTHROPIC", "Anthropic API key", "sk-a…"),
        ("AWS_KEY_ID", "AWS access key id", "AKIA…"),
        ("AWS_TEMP_KEY_ID", "AWS access key id", "ASIA…"),
        ("GOOGLE", "Google API key", "AIza…"),
        ("GOOGLE_AUTH", "Google API authorization key", "AQ.…"),
        ("BEDROCK", "Amazon Bedrock API key", "ABSK…"),
        ("BEDROCK_SHORT_TERM", "Amazon Bedrock API key", "bedr…"),
    )


class Violation(NamedTuple):
    """One reported violation."""

    message: str
    urn: str | None


class Collector:
    """A ``report_violation`` callback that records what it is given."""

    def __init__(self) -> None:
        self.violations: list[Violation] = []

    def __call__(self, message: str, urn: str | None = None) -> None:
        self.violations.append(Violation(message, urn))

    @property
    def messages(self) -> list[str]:
        """The messages, in the order they were reported."""
        return [v.message for v in self.violations]


def urn_for(resource_type: str, name: str) -> str:
    """A URN in the engine's format."""
    return f"urn:pulumi:dev::proj::{resource_type}::{name}"


def empty_options() -> PolicyResourceOptions:
    """Resource options with nothing set."""
    return PolicyResourceOptions(False, [], None, [], PolicyCustomTimeouts(0, 0, 0), [], None)


def make_stack_resource(
    resource_type: str,
    props: Mapping[str, Any],
    name: str = "res",
    property_dependencies: dict[str, list[PolicyResource]] | None = None,
) -> PolicyResource:
    """A ``PolicyResource`` whose props are wrapped like the SDK wraps them."""
    return PolicyResource(
        resource_type,
        unknown_checking_proxy(dict(props)),
        urn_for(resource_type, name),
        name,
        empty_options(),
        None,
        None,
        [],
        property_dependencies or {},
    )


RunResource = Callable[..., list[Violation]]
RunStack = Callable[..., list[Violation]]


@pytest.fixture
def keys() -> type[FakeKeys]:
    """The synthetic keys."""
    return FakeKeys


@pytest.fixture
def run_resource_policy() -> RunResource:
    """Run a resource policy on one resource, the way the SDK's analyzer calls it.

    Call as ``run(policy, resource_type, props, name="res", config=None)``; returns the violations.
    """

    def run(
        policy: ResourceValidationPolicy,
        resource_type: str,
        props: Mapping[str, Any],
        name: str = "res",
        config: Mapping[str, Any] | None = None,
    ) -> list[Violation]:
        args = ResourceValidationArgs(
            resource_type,
            unknown_checking_proxy(dict(props)),
            urn_for(resource_type, name),
            name,
            empty_options(),
            None,
            config,
        )
        collector = Collector()
        result = policy.validate(args, collector)
        assert result is None, "validations of this pack are synchronous"
        return collector.violations

    return run


@pytest.fixture
def run_stack_policy() -> RunStack:
    """Run a stack policy on resources built with :func:`make_stack_resource`."""

    def run(
        policy: StackValidationPolicy,
        resources: Sequence[PolicyResource],
        config: Mapping[str, Any] | None = None,
    ) -> list[Violation]:
        collector = Collector()
        result = policy.validate(StackValidationArgs(list(resources), config), collector)
        assert result is None, "validations of this pack are synchronous"
        return collector.violations

    return run


@pytest.fixture
def stack_resource() -> Callable[..., PolicyResource]:
    """:func:`make_stack_resource`, for tests that build stacks."""
    return make_stack_resource


def _state(props: Mapping[str, Any], secret_outputs: Sequence[str]) -> dict[str, Any]:
    from ai_keys_policy.secrets import deserialize_keeping_secrets
    from pulumi.runtime import rpc

    marked = set(secret_outputs)
    state = {k: rpc.wrap_rpc_secret(v) if k in marked and not rpc.is_rpc_secret(v) else v for k, v in props.items()}
    return deserialize_keeping_secrets(state)


@pytest.fixture
def engine_stack() -> Callable[[Any], list[PolicyResource]]:
    """What the pack sees of a program run under ``ai_keys.testing.mock_pulumi``.

    Call with the ``MockEngine`` after ``engine.run(...)``. Every registered resource becomes a
    ``PolicyResource`` whose props are its state (the mock echoes the inputs and adds what the cloud
    returns), with secret inputs and the outputs the program marked secret (``additional_secret_outputs``)
    kept as secrets, as the engine sends them to the pack's secret-preserving deserializer; the program's
    exports are the props of the ``pulumi:pulumi:Stack`` resource.
    """

    def build(engine: Any) -> list[PolicyResource]:
        resources = [
            make_stack_resource(r.type, _state(r.outputs or r.inputs, r.additional_secret_outputs), r.name)
            for r in engine.resources
        ]
        resources.append(make_stack_resource("pulumi:pulumi:Stack", _state(engine.stack_outputs, ()), "project-stack"))
        return resources

    return build


@pytest.fixture
def run_pack() -> Callable[..., list[Violation]]:
    """Run policies on a stack as the analyzer does: resource policies on each resource, stack policies once.

    Call as ``run(policies, resources, config=None)`` with resources from :func:`make_stack_resource`.
    """

    def run(
        policies: Sequence[ResourceValidationPolicy | StackValidationPolicy],
        resources: Sequence[PolicyResource],
        config: Mapping[str, Any] | None = None,
    ) -> list[Violation]:
        collector = Collector()
        for policy in policies:
            if isinstance(policy, StackValidationPolicy):
                assert policy.validate(StackValidationArgs(list(resources), config), collector) is None
                continue
            for resource in resources:
                args = ResourceValidationArgs(
                    resource.resource_type,
                    resource.props,
                    resource.urn,
                    resource.name,
                    resource.opts,
                    None,
                    config,
                )
                assert policy.validate(args, collector) is None
        return collector.violations

    return run
