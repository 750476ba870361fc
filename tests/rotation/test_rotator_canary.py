"""The log canary: rotations on every cloud with every logger at DEBUG (boto3, botocore and urllib3 included), and no
key value, admin key or identity secret in any record, exception text or repr."""

import base64
import logging
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from typing import Any, Callable

import pytest

from ai_keys.rotation.rotator import assemble, azure_function, gcp_function
from ai_keys.rotation.rotator.engine import PLACEHOLDER
from ai_keys.rotation.rotator.settings import Settings
from ai_keys.testing.stand_ins import (
    AzureAiServicesStandIn,
    AzureApiManagementStandIn,
    GoogleApiKeysStandIn,
    IamStandIn,
    IdentityStandIn,
    KeyVaultStandIn,
    MetadataStandIn,
    OpenAIStandIn,
    SimClock,
)

from .conftest import ADMIN_KEY, EVERY_DAYS, GCP_PROJECT, IAM_USER, OPENAI_PROJECT, AwsKit, AwsRotation, Drongo, Gateway

PERIOD = timedelta(days=EVERY_DAYS)
VAULT = "https://canary.vault.azure.net"


class Kept(logging.Handler):
    """Keeps every record, formatted with its exception and stack, as a handler would write it."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))
        self.texts: list[str] = []
        self.names: set[str] = set()

    def emit(self, record: logging.LogRecord) -> None:
        self.texts.append(self.format(record))
        self.names.add(record.name)


class Debug:
    """Every logger at DEBUG from :meth:`start` on (after the test's own set-up, which plays the deploy)."""

    def __init__(self) -> None:
        self.kept = Kept()
        self._saved: dict[str, tuple[int, bool]] = {}
        self._quiet: list[logging.Logger] = []
        self._root_level = logging.getLogger().level

    def start(self) -> Kept:
        root = logging.getLogger()
        names = {"botocore", "boto3", "urllib3", "aikeys_rotator", "s3transfer", *logging.root.manager.loggerDict}
        self._saved = {name: (logging.getLogger(name).level, logging.getLogger(name).disabled) for name in names}
        root.setLevel(logging.DEBUG)
        root.addHandler(self.kept)
        self._quiet = [logging.getLogger(n) for n in names if not logging.getLogger(n).propagate]
        for name in names:
            logging.getLogger(name).setLevel(logging.DEBUG)
            logging.getLogger(name).disabled = False
        for logger in self._quiet:
            logger.addHandler(self.kept)
        return self.kept

    def stop(self) -> None:
        for logger in self._quiet:
            logger.removeHandler(self.kept)
        root = logging.getLogger()
        root.removeHandler(self.kept)
        root.setLevel(self._root_level)
        for name, (level, disabled) in self._saved.items():
            logging.getLogger(name).setLevel(level)
            logging.getLogger(name).disabled = disabled


@pytest.fixture
def every_logger_at_debug() -> Iterator[Debug]:
    debug = Debug()
    yield debug
    debug.stop()


def test_no_value_in_any_log_record_or_repr(
    every_logger_at_debug: Debug,
    aws: AwsKit,
    iam: IamStandIn,
    gateway: Gateway,
    openai_api: OpenAIStandIn,
    drongo: Drongo,
    google_keys: GoogleApiKeysStandIn,
    metadata: MetadataStandIn,
    identity: IdentityStandIn,
    keyvault: KeyVaultStandIn,
    ai_services: AzureAiServicesStandIn,
    apim: AzureApiManagementStandIn,
    clock: SimClock,
    env_for: Callable[..., dict[str, str]],
    aws_rotation: Callable[[str, dict[str, str]], AwsRotation],
) -> None:
    shown: list[Any] = []  # everything a caller gets back or could print: outcomes, settings, parts, errors
    app_log = logging.getLogger("app")
    # What the deploy makes, before the logs are watched: the secrets, the admin key's own secret.
    bedrock = aws.secret()
    gateway_secret = aws.secret()
    openai_secret, admin_ref = aws.secret(), aws.secret(ADMIN_KEY)
    gcp_secret = drongo.secret(PLACEHOLDER)
    kept = every_logger_at_debug.start()

    # AWS: Bedrock, API Gateway and OpenAI (admin key in its own secret), through the four steps.
    aws_envs = [
        env_for("bedrock", "aws", bedrock, AIKEYS_IAM_USER=IAM_USER, AWS_ENDPOINT_URL=aws.url, AWS_ENDPOINT_URL_IAM=iam.url),
        env_for(
            "aws_api_gateway",
            "aws",
            gateway_secret,
            AIKEYS_USAGE_PLAN_ID=gateway.usage_plan_id,
            AIKEYS_PROBE_URL=gateway.probe_url,
            AWS_ENDPOINT_URL=aws.url,
        ),
        env_for(
            "openai",
            "aws",
            openai_secret,
            AIKEYS_OPENAI_PROJECT=OPENAI_PROJECT,
            AIKEYS_ADMIN_KEY_REF=admin_ref,
            AIKEYS_ENDPOINT_OPENAI=openai_api.url,
            AWS_ENDPOINT_URL=aws.url,
        ),
    ]
    for environment in aws_envs:
        rotation = aws_rotation(environment["AIKEYS_SECRET"], environment)
        for _ in range(3):
            token, rotation_token = rotation.start()
            shown += [
                rotation.step(step, token, rotation_token)
                for step in ("create_secret", "set_secret", "test_secret", "finish_secret")
            ]
            clock.advance(PERIOD)
        settings = Settings.from_env(environment)
        shown += [settings, *vars(assemble.build(settings, now=clock.now)).values()]
    openai_api.faults.fail_next(1, 500, match="POST /v1/organization")
    rotation = aws_rotation(openai_secret, aws_envs[2])
    token, rotation_token = rotation.start()
    try:
        rotation.step("create_secret", token, rotation_token)
    except Exception as error:
        shown.append(error)
        app_log.exception("rotation failed")

    # GCP: Gemini keys in Secret Manager.
    secret = gcp_secret
    gcp_env = env_for(
        "gemini",
        "gcp",
        secret,
        AIKEYS_PROJECT=GCP_PROJECT,
        AIKEYS_ENDPOINT_SECRETMANAGER=drongo.url,
        AIKEYS_ENDPOINT_APIKEYS=google_keys.url,
        AIKEYS_ENDPOINT_METADATA=metadata.url,
        AIKEYS_ENDPOINT_GENERATIVELANGUAGE=google_keys.url,
    )
    for event_type in ("SECRET_VERSION_ADD", "SECRET_ROTATE", "SECRET_ROTATE", "SECRET_ROTATE"):
        envelope = {"message": {"attributes": {"eventType": event_type, "secretId": secret}, "data": ""}}
        shown.append(gcp_function.main({"data": envelope}, env=gcp_env, now=clock.now(), sleep=clock.sleep))
        clock.advance(PERIOD)

    # Azure: AI Services keys, and an OpenAI key with its admin key, in Key Vault (written as the deploy does).
    keyvault.set_secret("ai-key", ai_services.slots["key1"], exp=clock() + 60 * 86400)
    keyvault.set_secret("apim-key", apim.slots["primary"], exp=clock() + 60 * 86400)
    keyvault.set_secret("oa-key", PLACEHOLDER, exp=clock() + 60 * 86400)
    keyvault.set_secret("oa-key-admin-key", ADMIN_KEY)
    common = {
        "AIKEYS_ENDPOINT_KEYVAULT": keyvault.url,
        "IDENTITY_ENDPOINT": identity.endpoint,
        "IDENTITY_HEADER": identity.header,
    }
    azure_envs = [
        env_for(
            "azure_ai_services",
            "azure",
            f"{VAULT}/secrets/ai-key",
            AIKEYS_ACCOUNT_ID=ai_services.account_id,
            AIKEYS_ENDPOINT_ARM=ai_services.url,
            **common,
        ),
        env_for(
            "azure_api_management",
            "azure",
            f"{VAULT}/secrets/apim-key",
            AIKEYS_APIM_SUBSCRIPTION_ID=apim.subscription_id,
            AIKEYS_ENDPOINT_ARM=apim.url,
            AIKEYS_PROBE_URL=apim.url + "/v1/models",
            **common,
        ),
        env_for(
            "openai",
            "azure",
            f"{VAULT}/secrets/oa-key",
            AIKEYS_KEY_PREFIX="aikeys-canary-az-",
            AIKEYS_OPENAI_PROJECT=OPENAI_PROJECT,
            AIKEYS_ADMIN_KEY_REF=f"{VAULT}/secrets/oa-key-admin-key",
            AIKEYS_ENDPOINT_OPENAI=openai_api.url,
            **common,
        ),
    ]
    # The events as the vault publishes them: a new version now (the placeholder), then each version's
    # near-expiry notice a period after it was written (30 days before it expires).
    schedule = [[(azure_envs[2], azure_function.NEW_VERSION)]] + [
        [(environment, azure_function.NEAR_EXPIRY) for environment in azure_envs] for _ in range(2)
    ]
    for moment in schedule:
        for environment, event_type in moment:
            name = environment["AIKEYS_SECRET"].rsplit("/", 1)[1]
            event = {"eventType": event_type, "subject": name, "data": {"ObjectName": name}}
            assert azure_function.rotate(event, env=environment, now=clock.now(), sleep=clock.sleep) == "rotated"
        clock.advance(PERIOD)
    for environment in azure_envs:
        settings = Settings.from_env(environment)
        shown += [settings, *vars(assemble.build(settings, now=lambda: datetime.now(timezone.utc))).values()]

    secrets = {ADMIN_KEY, identity.header}
    for ledger in (iam.keys, gateway.data_plane.keys, openai_api.keys, google_keys.keys, ai_services.keys, apim.keys):
        secrets |= set(ledger.ever_valid())
    # admin key + identity header, Bedrock 3, API Gateway 3, OpenAI 3 on AWS + 3 on Azure, Gemini 4, and the AI
    # Services account's and the API Management subscription's two first keys + 2 regenerated each: every rotation
    # above made a key.
    assert len(secrets) == 2 + 3 + 3 + 6 + 4 + 4 + 4
    forms = secrets | {base64.b64encode(s.encode()).decode() for s in secrets}
    texts = kept.texts
    # The canary looked where a leak would be: botocore's bodies at DEBUG, with key fields in them (now hidden).
    assert {"botocore.parsers", "botocore.endpoint", "urllib3.connectionpool", "aikeys_rotator", "app"} <= kept.names
    assert any("Response body" in text for text in texts)
    assert any("<hidden>" in text and "ServiceCredentialSecret" in text for text in texts)
    assert any("<hidden>" in text and "SecretString" in text for text in texts)
    assert any("Traceback" in text for text in texts)
    assert len(texts) > 1000
    leaks = [text for text in texts if any(form in text for form in forms)]
    assert leaks == []
    reprs = [repr(item) for item in shown] + [str(item) for item in shown]
    assert len(shown) > 40
    assert [text for text in reprs if any(form in text for form in forms)] == []
