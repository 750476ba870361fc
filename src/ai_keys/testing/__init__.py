"""A mock Pulumi engine for tests, examples and the offline preview.

``mock_pulumi()`` gives every use a fresh event loop, a :class:`RecordingMonitor` and config; it records
every registered resource with its type, name, parent, inputs (secret markers preserved) and the
resource options the engine would see (``ignore_changes``, ``additional_secret_outputs``, dependencies,
``protect``...). Mock outputs echo the inputs and add the ids, ARNs and URIs each cloud really returns,
so outputs such as ``secret_ref`` resolve to realistic values.

    with mock_pulumi(config={"openai_api_key": "..."}, secret_keys=["openai_api_key"]) as engine:
        engine.run(lambda: SecureApiKey("openai", {...}))
        secret = engine.one("aws:secretsmanager/secret:Secret")

``plan_update``/``plan_destroy`` give the engine's plan for a second deploy or a destroy, and :mod:`.simulation`
(``Cloud``, ``Scenario``) applies plans to cloud state that outlives one program, with a clock and the clouds' own
rules (:mod:`.constraints`).
"""

from .engine import (
    MockCloud,
    MockEngine,
    RecordingMonitor,
    RegisteredResource,
    Resolved,
    is_secret_at,
    mock_pulumi,
    resolve_output,
    run_program,
    unwrap_secrets,
)
from .lifecycle import Plan, Refusal, Step, plan_destroy, plan_update
from .simulation import Cloud, CloudRefusedError, Scenario

__all__ = [
    "Cloud",
    "CloudRefusedError",
    "MockCloud",
    "MockEngine",
    "Plan",
    "RecordingMonitor",
    "Refusal",
    "RegisteredResource",
    "Resolved",
    "Scenario",
    "Step",
    "is_secret_at",
    "mock_pulumi",
    "plan_destroy",
    "plan_update",
    "resolve_output",
    "run_program",
    "unwrap_secrets",
]
