"""A labelled corpus for measuring the plaintext-key policies, generated from a fixed seed.

Nothing here is hand-picked: every value is drawn by a seeded :class:`random.Random` from the shape
rules below, so the corpus is the same on every run and on every machine.

* :func:`innocent_values`: at least 10,000 values that real stacks carry and that are not secrets
  (Pulumi auto-names, AWS/Azure/GCP ids and ARNs, UUIDs, hashes, digests, base64 config, URLs,
  public keys and JWT-looking public tokens), each with a variable name such a value usually has.
* :func:`vendor_keys`: 1,000 synthetic keys per documented vendor format, each with the kind the
  pattern rules must report and a variable name such a key usually has.
* :func:`unknown_vendor_keys`: random secrets with no vendor prefix (AWS secret access keys,
  ``openssl rand`` output, bearer tokens), for the entropy rule.
* :data:`PLACEMENTS`: every resource type and property the policy inspects, plus stack outputs,
  in plain, base64 and JSON-encoded forms. :func:`place` puts many values into one resource at
  once and says at which property path each one sits.

The synthetic keys match the vendors' shapes but are random: none is a real key.
"""

from __future__ import annotations

import base64
import json
import random
import string
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

SEED = 20261201
"""The seed of every generator in this module."""

INNOCENT_COUNT = 12_000
KEYS_PER_VENDOR = 1_000
UNKNOWN_KEYS_PER_SHAPE = 200

LOWER = string.ascii_lowercase
UPPER = string.ascii_uppercase
DIGITS = string.digits
HEX = "0123456789abcdef"
ALNUM = string.ascii_letters + DIGITS
LOWER_ALNUM = LOWER + DIGITS
UPPER_ALNUM = UPPER + DIGITS
B64 = ALNUM + "+/"
B64URL = ALNUM + "-_"


@dataclass(frozen=True)
class Sample:
    """One labelled value of the corpus."""

    value: str
    label: str
    """The shape (innocent values) or the vendor format (keys), e.g. ``"aws-vpc-id"``."""
    name: str
    """A variable / setting / output name such a value usually has, e.g. ``VPC_ID``."""
    kind: str | None = None
    """For vendor keys: the :class:`ai_keys_policy.detectors.KeyKind` name that must be reported."""


def _tok(rng: random.Random, alphabet: str, n: int) -> str:
    return "".join(rng.choice(alphabet) for _ in range(n))


# --------------------------------------------------------------------------------------------------
# Innocent values
# --------------------------------------------------------------------------------------------------

_WORDS = (  # noqa: SIM905 - a word list reads best as text
    "user uploads api gateway logs data lake raw processed app web frontend backend worker queue events "
    "orders payments billing invoices auth session cache redis db postgres mysql aurora cluster primary "
    "replica analytics metrics traces audit archive backup static assets media images thumbnails video "
    "reports exports imports ingest stream kinesis firehose lambda function handler cron scheduler batch "
    "jobs tasks service mesh edge cdn origin bucket table index search vector embeddings model inference "
    "training features notebook pipeline build deploy artifacts registry images secrets config settings "
    "summarizer chat bot assistant agent retriever ranker classifier moderation translate speech vision "
    "prod staging dev test qa sandbox shared core platform network vpc subnet public private internal "
    "external ingress egress nat bastion jump admin portal dashboard console monitor alerts notify email "
    "sms push webhook callback tenant customer account profile identity users groups roles policy"
).split()


def _logical_name(rng: random.Random) -> str:
    words = [rng.choice(_WORDS) for _ in range(rng.choice((1, 1, 2, 2, 2, 3, 3, 4)))]
    style = rng.random()
    if style < 0.7:
        return "-".join(words)
    if style < 0.85:
        return words[0] + "".join(w.title() for w in words[1:])
    return "_".join(words)


def _pulumi_autoname(rng: random.Random) -> str:
    # Pulumi appends a dash and 7 random hex digits (8 with some providers) to the logical name.
    return f"{_logical_name(rng)}-{_tok(rng, HEX, rng.choice((7, 7, 7, 8)))}"


def _aws_hex_id(prefix: str) -> Callable[[random.Random], str]:
    return lambda rng: f"{prefix}-{_tok(rng, HEX, rng.choice((8, 17, 17, 17)))}"


_REGIONS_AWS = ("us-east-1", "us-east-2", "us-west-2", "eu-west-1", "eu-central-1", "ap-southeast-2", "ap-northeast-1")
_REGIONS_GCP = ("us-central1", "us-east1", "europe-west1", "europe-west4", "asia-northeast1")
_REGIONS_AZ = ("eastus", "eastus2", "westeurope", "northeurope", "swedencentral", "uksouth")


def _account(rng: random.Random) -> str:
    return _tok(rng, DIGITS, 12)


def _uuid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def _arn(rng: random.Random) -> str:
    region, account, name = rng.choice(_REGIONS_AWS), _account(rng), _pulumi_autoname(rng)
    shapes = (
        f"arn:aws:s3:::{name}",
        f"arn:aws:lambda:{region}:{account}:function:{name}",
        f"arn:aws:iam::{account}:role/{name}",
        f"arn:aws:sqs:{region}:{account}:{name}",
        f"arn:aws:sns:{region}:{account}:{name}",
        f"arn:aws:dynamodb:{region}:{account}:table/{name}",
        f"arn:aws:secretsmanager:{region}:{account}:secret:{name}-{_tok(rng, ALNUM, 6)}",
        f"arn:aws:kms:{region}:{account}:key/{_uuid(rng)}",
        f"arn:aws:kms:{region}:{account}:key/mrk-{_tok(rng, HEX, 32)}",
        f"arn:aws:acm:{region}:{account}:certificate/{_uuid(rng)}",
        f"arn:aws:elasticloadbalancing:{region}:{account}:loadbalancer/app/{name[:32]}/{_tok(rng, HEX, 16)}",
        f"arn:aws:ecs:{region}:{account}:task/{name}/{_tok(rng, HEX, 32)}",
        f"arn:aws:logs:{region}:{account}:log-group:/aws/lambda/{name}:*",
        f"arn:aws:cognito-idp:{region}:{account}:userpool/{region}_{_tok(rng, ALNUM, 9)}",
        f"arn:aws:execute-api:{region}:{account}:{_tok(rng, LOWER_ALNUM, 10)}/*/GET/",
        f"arn:aws:dynamodb:{region}:{account}:table/{name}/stream/2026-11-{rng.randint(10, 28)}T10:11:12.123",
    )
    return rng.choice(shapes)


def _aws_id(rng: random.Random) -> str:
    region = rng.choice(_REGIONS_AWS)
    makers: tuple[Callable[[random.Random], str], ...] = (
        _aws_hex_id("vpc"),
        _aws_hex_id("subnet"),
        _aws_hex_id("sg"),
        _aws_hex_id("igw"),
        _aws_hex_id("rtb"),
        _aws_hex_id("eni"),
        _aws_hex_id("ami"),
        _aws_hex_id("i"),
        _aws_hex_id("vol"),
        _aws_hex_id("snap"),
        _aws_hex_id("nat"),
        _aws_hex_id("acl"),
        _aws_hex_id("eipalloc"),
        _aws_hex_id("vpce"),
        _aws_hex_id("tgw"),
        _aws_hex_id("lt"),
        _aws_hex_id("fs"),
        _aws_hex_id("fsap"),
        _aws_hex_id("fsmt"),
        lambda r: "Z" + _tok(r, UPPER_ALNUM, r.randint(13, 21)),  # Route 53 hosted zone
        lambda r: "E" + _tok(r, UPPER_ALNUM, 13),  # CloudFront distribution
        lambda r: "mrk-" + _tok(r, HEX, 32),  # KMS multi-Region key
        lambda r: _tok(r, LOWER_ALNUM, 26),  # Cognito app client id
        lambda r: f"{region}_{_tok(r, ALNUM, 9)}",  # Cognito user pool id
        lambda r: f"{region}:{_uuid(r)}",  # Cognito identity pool id
        lambda r: _tok(r, LOWER_ALNUM, 10),  # API Gateway REST API id
        lambda r: _tok(r, LOWER_ALNUM, 26),  # AppSync API id
        lambda r: "d" + _tok(r, LOWER_ALNUM, 13),  # Amplify app id
        lambda r: f"d{_tok(r, LOWER_ALNUM, 13)}.cloudfront.net",
        lambda r: "db-" + _tok(r, UPPER_ALNUM, 26),  # RDS DbiResourceId
        lambda r: "cluster-" + _tok(r, UPPER_ALNUM, 26),  # RDS cluster resource id
        lambda r: r.choice(("AROA", "AIDA", "AGPA", "ANPA", "AIPA")) + _tok(r, UPPER_ALNUM, 17),  # IAM unique ids
        lambda r: _tok(r, HEX, 32),  # ECS task id
        lambda r: f"{_pulumi_autoname(r)[:24]}-{_tok(r, DIGITS, 10)}.{region}.elb.amazonaws.com",
        lambda r: f"{_account(r)}.dkr.ecr.{region}.amazonaws.com/{_logical_name(r)}",
        lambda r: f"https://sqs.{region}.amazonaws.com/{_account(r)}/{_pulumi_autoname(r)}",
        lambda r: f"{_tok(r, LOWER_ALNUM, 10)}.execute-api.{region}.amazonaws.com",
        lambda r: "ocid-" + _tok(r, HEX, 17) if r.random() < 0 else _account(r),  # account id
        lambda r: f"{_pulumi_autoname(r)}.{_tok(r, LOWER_ALNUM, 12)}.{region}.rds.amazonaws.com",
    )
    return rng.choice(makers)(rng)


def _azure_id(rng: random.Random) -> str:
    sub, rg, name = _uuid(rng), f"rg-{_logical_name(rng)}", _pulumi_autoname(rng)
    # azure-native auto-names add 8 random characters, lower-case letters and digits for storage accounts.
    storage = (_logical_name(rng).replace("-", "").replace("_", "").lower()[:14] + _tok(rng, LOWER_ALNUM, 8))[:24]
    makers: tuple[Callable[[], str], ...] = (
        lambda: f"/subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.Web/sites/{name}",
        lambda: f"/subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.KeyVault/vaults/{name[:24]}",
        lambda: f"/subscriptions/{sub}/resourceGroups/{rg}",
        lambda: sub,  # tenant, client, subscription, principal ids
        lambda: storage,
        lambda: f"https://{storage}.blob.core.windows.net/",
        lambda: f"https://{name[:24]}.vault.azure.net/secrets/{_logical_name(rng)}/{_tok(rng, HEX, 32)}",
        lambda: _tok(rng, HEX, 32),  # Key Vault secret version
        lambda: f"{name}.azurewebsites.net",
        lambda: f"https://{name}.openai.azure.com/",
        lambda: f"{name}.{_tok(rng, LOWER_ALNUM, 12)}.{rng.choice(_REGIONS_AZ)}.azurecontainerapps.io",
        lambda: (
            f"InstrumentationKey={_uuid(rng)};IngestionEndpoint=https://{rng.choice(_REGIONS_AZ)}.in.applicationinsights.azure.com/"
        ),
        lambda: f"{name.replace('-', '')[:40]}acr.azurecr.io/{_logical_name(rng)}:v{rng.randint(1, 99)}",
        lambda: f"@Microsoft.KeyVault(SecretUri=https://{name[:24]}.vault.azure.net/secrets/{_logical_name(rng)}/)",
    )
    return rng.choice(makers)()


def _gcp_id(rng: random.Random) -> str:
    project = f"{_logical_name(rng).replace('_', '-')[:20]}-{_tok(rng, DIGITS, 6)}"
    region = rng.choice(_REGIONS_GCP)
    makers: tuple[Callable[[], str], ...] = (
        lambda: project,
        lambda: f"projects/{project}/secrets/{_logical_name(rng)}/versions/latest",
        lambda: f"projects/{project}/locations/{region}/keyRings/{_logical_name(rng)}/cryptoKeys/{_logical_name(rng)}",
        lambda: f"{_logical_name(rng).replace('_', '-')[:28]}@{project}.iam.gserviceaccount.com",
        lambda: _tok(rng, DIGITS, 21),  # service account unique id
        lambda: f"{_logical_name(rng)}-{_tok(rng, LOWER_ALNUM, 10)}-{rng.choice(('uc', 'ue', 'ew'))}.a.run.app",
        lambda: f"{region}-docker.pkg.dev/{project}/{_logical_name(rng)}/app",
        lambda: (
            f"//iam.googleapis.com/projects/{_tok(rng, DIGITS, 12)}/locations/global/workloadIdentityPools/{_logical_name(rng)}"
        ),
        lambda: f"{_tok(rng, DIGITS, 12)}-{_tok(rng, LOWER_ALNUM, 32)}.apps.googleusercontent.com",
        lambda: f"gs://{_pulumi_autoname(rng)}/{_logical_name(rng)}.json",
        lambda: f"{_pulumi_autoname(rng)}",  # auto-named bucket / topic
    )
    return rng.choice(makers)()


def _hash(rng: random.Random) -> str:
    raw = rng.getrandbits(256).to_bytes(32, "big")
    makers: tuple[Callable[[], str], ...] = (
        lambda: raw[:16].hex(),  # MD5
        lambda: raw[:20].hex(),  # SHA-1, git commit
        lambda: raw.hex(),  # SHA-256
        lambda: raw[:20].hex()[: rng.choice((7, 8, 12))],  # short git SHA
        lambda: f"sha256:{raw.hex()}",  # image digest
        lambda: f"{_logical_name(rng)}@sha256:{raw.hex()}",
        lambda: base64.b64encode(raw).decode(),  # Lambda source_code_hash (base64 SHA-256)
        lambda: '"' + raw[:16].hex() + '"',  # S3 ETag
        lambda: raw[:16].hex().upper(),
    )
    return rng.choice(makers)()


def _base64_config(rng: random.Random) -> str:
    config = {rng.choice(_WORDS): rng.choice((_logical_name(rng), rng.randint(1, 9999), True)) for _ in range(rng.randint(1, 5))}
    text = json.dumps(config) if rng.random() < 0.5 else "\n".join(f"{k}: {v}" for k, v in config.items())
    return base64.b64encode(text.encode()).decode()


def _url(rng: random.Random) -> str:
    host = rng.choice(("api.example.com", "hooks.example.org", f"{_pulumi_autoname(rng)}.s3.amazonaws.com"))
    query = "&".join(f"{rng.choice(_WORDS)}={_tok(rng, ALNUM, rng.randint(4, 24))}" for _ in range(rng.randint(1, 4)))
    return f"https://{host}/{_logical_name(rng)}?{query}"


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _public_token(rng: random.Random) -> str:
    """A JWT or key that is public by design: a public key, an anon/ID token, a JWKS modulus."""
    makers: tuple[Callable[[], str], ...] = (
        # Supabase-style anon key / OIDC id token: a JWT with public claims.
        lambda: ".".join(
            (
                _b64url(json.dumps({"alg": "HS256", "typ": "JWT"}).encode()),
                _b64url(json.dumps({"iss": "supabase", "role": "anon", "iat": rng.randint(10**9, 2 * 10**9)}).encode()),
                _b64url(rng.getrandbits(256).to_bytes(32, "big")),
            )
        ),
        # A DER public key (SubjectPublicKeyInfo), base64: starts with MII / MFkw.
        lambda: base64.b64encode(
            bytes.fromhex("30820122300d06092a864886f70d01010105000382010f003082010a0282010100")
            + rng.getrandbits(2048).to_bytes(256, "big")
            + bytes.fromhex("0203010001")
        ).decode(),
        lambda: base64.b64encode(
            bytes.fromhex("3059301306072a8648ce3d020106082a8648ce3d030107034200")
            + b"\x04"
            + rng.getrandbits(512).to_bytes(64, "big")
        ).decode(),
        lambda: (
            "ssh-ed25519 "
            + base64.b64encode(b"\x00\x00\x00\x0bssh-ed25519\x00\x00\x00 " + rng.getrandbits(256).to_bytes(32, "big")).decode()
        ),
        lambda: (
            "-----BEGIN PUBLIC KEY-----\n"
            + base64.b64encode(b"0Y0\x13\x06\x07" + rng.getrandbits(600).to_bytes(75, "big")).decode()
            + "\n-----END PUBLIC KEY-----\n"
        ),
    )
    return rng.choice(makers)()


# (label, maker, typical names)
_INNOCENT_SHAPES: tuple[tuple[str, Callable[[random.Random], str], tuple[str, ...]], ...] = (
    (
        "pulumi-autoname",
        _pulumi_autoname,
        (
            "BUCKET",
            "BUCKET_NAME",
            "TABLE_NAME",
            "TOPIC",
            "QUEUE_NAME",
            "bucketName",
            "FUNCTION_NAME",
            "LOG_GROUP",
            "NAME",
            "VALUE",
        ),
    ),
    ("aws-arn", _arn, ("ROLE_ARN", "TABLE_ARN", "KEY_ARN", "SECRET_ARN", "TOPIC_ARN", "arn", "VALUE")),
    (
        "aws-id",
        _aws_id,
        (
            "VPC_ID",
            "SUBNET_ID",
            "FILE_SYSTEM_ID",
            "ZONE_ID",
            "KMS_KEY_ID",
            "USER_POOL_CLIENT_ID",
            "ID",
            "id",
            "DISTRIBUTION_ID",
            "VALUE",
        ),
    ),
    (
        "azure-id",
        _azure_id,
        ("RESOURCE_ID", "TENANT_ID", "AZURE_CLIENT_ID", "STORAGE_ACCOUNT", "SECRET_VERSION", "VAULT_URI", "ENDPOINT", "VALUE"),
    ),
    (
        "gcp-id",
        _gcp_id,
        ("PROJECT_ID", "SECRET_NAME", "KMS_KEY_NAME", "SERVICE_ACCOUNT", "SERVICE_URL", "OAUTH_CLIENT_ID", "VALUE"),
    ),
    ("uuid", _uuid, ("REQUEST_ID", "TENANT_ID", "CLIENT_ID", "SUBSCRIPTION_ID", "KEY_ID", "VALUE")),
    (
        "hash",
        _hash,
        ("CONFIG_HASH", "GIT_SHA", "COMMIT", "ETAG", "MD5", "CHECKSUM", "IMAGE_DIGEST", "sourceCodeHash", "BUILD_ID", "VERSION"),
    ),
    ("base64-config", _base64_config, ("CONFIG", "CONFIG_B64", "SETTINGS", "VALUE")),
    ("url-with-query", _url, ("WEBHOOK_URL", "CALLBACK_URL", "ENDPOINT", "VALUE")),
    (
        "public-key-or-token",
        _public_token,
        ("PUBLIC_KEY", "SUPABASE_ANON_KEY", "JWT_PUBLIC_KEY", "SSH_PUBLIC_KEY", "ID_TOKEN_VERIFY_KEY", "VALUE"),
    ),
)


def innocent_values(count: int = INNOCENT_COUNT, seed: int = SEED) -> list[Sample]:
    """``count`` non-secret values, spread evenly over the innocent shapes."""
    rng = random.Random(seed)
    samples = []
    for i in range(count):
        label, maker, names = _INNOCENT_SHAPES[i % len(_INNOCENT_SHAPES)]
        samples.append(Sample(maker(rng), label, rng.choice(names)))
    return samples


# --------------------------------------------------------------------------------------------------
# Vendor keys
# --------------------------------------------------------------------------------------------------


def _openai_legacy(rng: random.Random) -> str:
    # Legacy user keys: sk- then 20 characters, T3BlbkFJ ("OpenAI" in base64), 20 more.
    return "sk-" + _tok(rng, ALNUM, 20) + "T3BlbkFJ" + _tok(rng, ALNUM, 20)


def _openai_scoped(prefix: str) -> Callable[[random.Random], str]:
    def make(rng: random.Random) -> str:
        body = _tok(rng, B64URL, rng.choice((48, 74, 120, 156)))
        return f"sk-{prefix}-{body}T3BlbkFJ{_tok(rng, B64URL, rng.choice((20, 40, 84)))}"

    return make


def _bedrock_long_term(rng: random.Random) -> str:
    # ABSK, then base64 of "<ServiceCredentialAlias>:<secret>", the alias being "<IAM user>-at-<account id>"; the
    # console names the user BedrockAPIKey-<4 characters>, the bedrock issuer after the component.
    user = rng.choice(("BedrockAPIKey-" + _tok(rng, LOWER_ALNUM, 4), _logical_name(rng) + "-bedrock-" + _tok(rng, HEX, 7)))
    secret = _tok(rng, B64, 59) + "="
    return "ABSK" + _b64(f"{user}-at-{_tok(rng, DIGITS, 12)}:{secret}")


def _bedrock_short_term(rng: random.Random) -> str:
    # bedrock-api-key- and base64 of a SigV4-presigned bedrock.amazonaws.com URL (aws-bedrock-token-generator).
    region = rng.choice(("us-east-1", "us-west-2", "eu-west-1", "ap-northeast-1"))
    day = f"2026010{rng.randint(1, 9)}"
    query = (
        "Action=CallWithBearerToken&X-Amz-Algorithm=AWS4-HMAC-SHA256"
        f"&X-Amz-Credential=ASIA{_tok(rng, UPPER + '234567', 16)}%2F{day}%2F{region}%2Fbedrock%2Faws4_request"
        f"&X-Amz-Date={day}T{rng.randint(10, 23)}0000Z&X-Amz-Expires=43200"
        f"&X-Amz-Security-Token={_tok(rng, ALNUM + '%', rng.choice((120, 400, 800)))}"
        f"&X-Amz-Signature={_tok(rng, HEX, 64)}&X-Amz-SignedHeaders=host&Version=1"
    )
    return "bedrock-api-key-" + _b64(f"bedrock.amazonaws.com/?{query}")


# (label, kind, maker, names)
_VENDORS: tuple[tuple[str, str, Callable[[random.Random], str], tuple[str, ...]], ...] = (
    ("openai-legacy", "OPENAI", _openai_legacy, ("OPENAI_API_KEY", "OPENAI_KEY", "LLM_API_KEY", "API_KEY", "apiKey", "VALUE")),
    ("openai-project", "OPENAI", _openai_scoped("proj"), ("OPENAI_API_KEY", "openaiApiKey", "API_KEY", "VALUE")),
    ("openai-service-account", "OPENAI", _openai_scoped("svcacct"), ("OPENAI_API_KEY", "OPENAI_SVC_KEY", "TOKEN", "VALUE")),
    ("openai-admin", "OPENAI", _openai_scoped("admin"), ("OPENAI_ADMIN_KEY", "ADMIN_KEY", "VALUE")),
    ("openai-none", "OPENAI", _openai_scoped("None"), ("OPENAI_API_KEY", "OPENAI_KEY", "VALUE")),
    (
        "anthropic",
        "ANTHROPIC",
        lambda r: "sk-ant-api03-" + _tok(r, B64URL, 93) + "AA",
        ("ANTHROPIC_API_KEY", "CLAUDE_KEY", "API_KEY", "VALUE"),
    ),
    (
        "anthropic-admin",
        "ANTHROPIC",
        lambda r: "sk-ant-admin01-" + _tok(r, B64URL, 93) + "AA",
        ("ANTHROPIC_ADMIN_KEY", "ADMIN_KEY", "VALUE"),
    ),
    (
        "google-api-key",
        "GOOGLE_API_KEY",
        lambda r: "AIza" + _tok(r, B64URL, 35),
        ("GEMINI_API_KEY", "GOOGLE_API_KEY", "MAPS_KEY", "VALUE"),
    ),
    (
        "google-auth-key",
        "GOOGLE_AUTH_KEY",
        lambda r: "AQ.Ab" + _tok(r, B64URL, 48),
        ("GEMINI_API_KEY", "GOOGLE_API_KEY", "API_KEY", "VALUE"),
    ),
    ("bedrock-long-term", "BEDROCK_API_KEY", _bedrock_long_term, ("AWS_BEARER_TOKEN_BEDROCK", "BEDROCK_API_KEY", "VALUE")),
    ("bedrock-short-term", "BEDROCK_API_KEY", _bedrock_short_term, ("AWS_BEARER_TOKEN_BEDROCK", "BEDROCK_TOKEN", "VALUE")),
    (
        "aws-api-gateway",
        "AWS_API_GATEWAY_KEY",
        lambda r: _tok(r, ALNUM, 40),
        ("API_GATEWAY_KEY", "APIGW_API_KEY", "apiGatewayKey"),
    ),
    (
        "aws-access-key-id",
        "AWS_ACCESS_KEY_ID",
        lambda r: r.choice(("AKIA", "ASIA")) + _tok(r, UPPER + "234567", 16),
        ("AWS_ACCESS_KEY_ID", "accessKey", "aws_access_key_id", "VALUE"),
    ),
    (
        "aws-secret-access-key",
        "AWS_SECRET_ACCESS_KEY",
        lambda r: _tok(r, B64, 40),
        ("AWS_SECRET_ACCESS_KEY", "secretKey", "aws_secret_access_key", "SecretAccessKey"),
    ),
    (
        "azure-openai",
        "AZURE_AI_KEY",
        lambda r: _tok(r, HEX, 32),
        ("AZURE_OPENAI_API_KEY", "AZURE_OPENAI_KEY", "AzureOpenAI__ApiKey", "COGNITIVE_SERVICES_KEY", "azureOpenAiKey"),
    ),
    ("mistral", "MISTRAL", lambda r: _tok(r, ALNUM, 32), ("MISTRAL_API_KEY", "mistralApiKey", "MISTRAL_KEY")),
    ("cohere", "COHERE", lambda r: _tok(r, ALNUM, 40), ("COHERE_API_KEY", "CO_API_KEY", "cohereApiKey")),
    (
        "huggingface",
        "HUGGING_FACE",
        lambda r: "hf_" + _tok(r, string.ascii_letters, 34),
        ("HF_TOKEN", "HUGGING_FACE_HUB_TOKEN", "HUGGINGFACEHUB_API_TOKEN", "VALUE"),
    ),
    ("groq", "GROQ", lambda r: "gsk_" + _tok(r, ALNUM, 52), ("GROQ_API_KEY", "API_KEY", "VALUE")),
    ("together", "TOGETHER", lambda r: "tgp_v1_" + _tok(r, B64URL, 43), ("TOGETHER_API_KEY", "API_KEY", "VALUE")),
    ("together-legacy", "TOGETHER", lambda r: _tok(r, HEX, 64), ("TOGETHER_API_KEY", "TOGETHERAI_API_KEY", "togetherApiKey")),
    ("perplexity", "PERPLEXITY", lambda r: "pplx-" + _tok(r, ALNUM, 48), ("PERPLEXITY_API_KEY", "PPLX_API_KEY", "VALUE")),
    ("xai", "XAI", lambda r: "xai-" + _tok(r, ALNUM, 80), ("XAI_API_KEY", "GROK_KEY", "VALUE")),
    ("deepseek", "DEEPSEEK", lambda r: "sk-" + _tok(r, HEX, 32), ("DEEPSEEK_API_KEY", "API_KEY", "VALUE")),
    ("openrouter", "OPENROUTER", lambda r: "sk-or-v1-" + _tok(r, HEX, 64), ("OPENROUTER_API_KEY", "API_KEY", "VALUE")),
    ("replicate", "REPLICATE", lambda r: "r8_" + _tok(r, ALNUM, 37), ("REPLICATE_API_TOKEN", "API_TOKEN", "VALUE")),
)

VENDOR_LABELS: tuple[str, ...] = tuple(label for label, _, _, _ in _VENDORS)
"""Every vendor format of the corpus."""


def vendor_keys(per_vendor: int = KEYS_PER_VENDOR, seed: int = SEED) -> list[Sample]:
    """``per_vendor`` synthetic keys of every vendor format."""
    rng = random.Random(seed + 1)
    return [
        Sample(maker(rng), label, rng.choice(names), kind) for label, kind, maker, names in _VENDORS for _ in range(per_vendor)
    ]


# --------------------------------------------------------------------------------------------------
# Keys of no known vendor (for the entropy rule)
# --------------------------------------------------------------------------------------------------

_UNKNOWN_SHAPES: tuple[tuple[str, Callable[[random.Random], str]], ...] = (
    ("base64-40", lambda r: _tok(r, B64, 40)),  # AWS-secret-access-key-like
    ("base62-32", lambda r: _tok(r, ALNUM, 32)),
    ("base62-40", lambda r: _tok(r, ALNUM, 40)),
    ("base62-64", lambda r: _tok(r, ALNUM, 64)),
    ("base64url-43", lambda r: _b64url(r.getrandbits(256).to_bytes(32, "big"))),  # secrets.token_urlsafe(32)
    ("base64-44", lambda r: base64.b64encode(r.getrandbits(256).to_bytes(32, "big")).decode()),  # openssl rand -base64 32
    ("lower-alnum-32", lambda r: _tok(r, LOWER_ALNUM, 32)),
    ("lower-alnum-40", lambda r: _tok(r, LOWER_ALNUM, 40)),
    ("hex-32", lambda r: _tok(r, HEX, 32)),
    ("hex-48", lambda r: _tok(r, HEX, 48)),
    ("prefixed-random", lambda r: f"{r.choice(('key', 'tok', 'live', 'sk_live', 'pat'))}_{_tok(r, ALNUM, 32)}"),
)

_UNKNOWN_NAMES = (
    "API_KEY",
    "API_TOKEN",
    "SECRET",
    "CLIENT_SECRET",
    "AUTH_TOKEN",
    "ACCESS_TOKEN",
    "PASSWORD",
    "DB_PASSWORD",
    "apiKey",
    "token",
    "SIGNING_SECRET",
    "WEBHOOK_SECRET",
    "LLM_KEY",
    "PROVIDER_CREDENTIAL",
    "VALUE",
    "CONFIG_VALUE",
)


def unknown_vendor_keys(per_shape: int = UNKNOWN_KEYS_PER_SHAPE, seed: int = SEED) -> list[Sample]:
    """Random secrets without a vendor prefix."""
    rng = random.Random(seed + 2)
    return [
        Sample(maker(rng), label, rng.choice(_UNKNOWN_NAMES), "HIGH_ENTROPY")
        for label, maker in _UNKNOWN_SHAPES
        for _ in range(per_shape)
    ]


# --------------------------------------------------------------------------------------------------
# Placements: where a value can sit in a stack
# --------------------------------------------------------------------------------------------------

STACK = "pulumi:pulumi:Stack"


def _b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


@dataclass(frozen=True)
class Placement:
    """One resource property (or stack outputs) that holds many values at once.

    ``build(names, values)`` returns the props; ``paths[i]`` (from :meth:`build_with_paths`) is the
    property path at which the i-th value is found, as the policy reports it.
    """

    label: str
    resource_type: str
    build: Callable[[Sequence[str], Sequence[str]], tuple[dict[str, Any], list[str]]]
    one_per_resource: bool = False
    """True when the property holds a single value: each value gets a resource of its own."""


def _names(names: Sequence[str]) -> list[str]:
    # Unique names, keeping the typical name recognisable (``API_KEY_17``).
    return [f"{n}_{i}" if n.isupper() or "_" in n else f"{n}{i}" for i, n in enumerate(names)]


def _env_map(*path: str) -> Callable[[Sequence[str], Sequence[str]], tuple[dict[str, Any], list[str]]]:
    def build(names: Sequence[str], values: Sequence[str]) -> tuple[dict[str, Any], list[str]]:
        unique = _names(names)
        mapping = dict(zip(unique, values, strict=True))
        props: dict[str, Any] = mapping
        for step in reversed(path):
            props = {step: props}
        return props, [".".join(path) + "." + n for n in unique]

    return build


def _env_list(
    prefix: tuple[str, ...], list_key: str, name_key: str = "name", value_key: str = "value"
) -> Callable[[Sequence[str], Sequence[str]], tuple[dict[str, Any], list[str]]]:
    """Containers-style: ``prefix`` leads to a list with one container holding ``list_key``."""

    def build(names: Sequence[str], values: Sequence[str]) -> tuple[dict[str, Any], list[str]]:
        env = [{name_key: n, value_key: v} for n, v in zip(_names(names), values, strict=True)]
        props: dict[str, Any] = {"name": "app", "image": "nginx", list_key: env}
        path = ".".join(prefix)
        *head, last = prefix
        node: Any = {last: [props]}
        for step in reversed(head):
            node = {step: node}
        return node, [f"{path}[0].{list_key}[{i}].{value_key}" for i in range(len(env))]

    return build


def _container_map(list_key: str, map_key: str) -> Callable[[Sequence[str], Sequence[str]], tuple[dict[str, Any], list[str]]]:
    """azurerm container groups: one container of ``list_key`` holding the map ``map_key``."""

    def build(names: Sequence[str], values: Sequence[str]) -> tuple[dict[str, Any], list[str]]:
        unique = _names(names)
        container = {"name": "app", "image": "nginx", map_key: dict(zip(unique, values, strict=True))}
        return {list_key: [container]}, [f"{list_key}[0].{map_key}.{n}" for n in unique]

    return build


def _app_settings(names: Sequence[str], values: Sequence[str]) -> tuple[dict[str, Any], list[str]]:
    settings = [{"name": n, "value": v} for n, v in zip(_names(names), values, strict=True)]
    return {"siteConfig": {"appSettings": settings}}, [f"siteConfig.appSettings[{i}].value" for i in range(len(settings))]


def _ecs(names: Sequence[str], values: Sequence[str]) -> tuple[dict[str, Any], list[str]]:
    env = [{"name": n, "value": v} for n, v in zip(_names(names), values, strict=True)]
    props = {"family": "app", "containerDefinitions": json.dumps([{"name": "app", "image": "nginx", "environment": env}])}
    return props, [f"containerDefinitions[0].environment[{i}].value" for i in range(len(env))]


def _codebuild(names: Sequence[str], values: Sequence[str]) -> tuple[dict[str, Any], list[str]]:
    env = [{"name": n, "value": v, "type": "PLAINTEXT"} for n, v in zip(_names(names), values, strict=True)]
    props = {
        "environment": {"computeType": "BUILD_GENERAL1_SMALL", "image": "aws/codebuild/standard:7.0", "environmentVariables": env}
    }
    return props, [f"environment.environmentVariables[{i}].value" for i in range(len(env))]


def _ssm(names: Sequence[str], values: Sequence[str]) -> tuple[dict[str, Any], list[str]]:
    (name,), (value,) = names, values
    # insecureValue: the SDK wraps `value` in a secret itself; insecureValue stays plaintext.
    return {"name": f"/app/prod/{name}", "type": "String", "insecureValue": value}, ["insecureValue"]


def _ssm_value(names: Sequence[str], values: Sequence[str]) -> tuple[dict[str, Any], list[str]]:
    # `value` as a program that bypasses the SDK's own secret wrapping (raw gRPC, another tool) would send it.
    (name,), (value,) = names, values
    return {"name": f"/app/prod/{name}", "type": "String", "value": value}, ["value"]


def _ssm_json(names: Sequence[str], values: Sequence[str]) -> tuple[dict[str, Any], list[str]]:
    unique = _names(names)
    document = json.dumps({"app": dict(zip(unique, values, strict=True))})
    return {"name": "/app/prod/config", "type": "String", "insecureValue": document}, [f"insecureValue.app.{n}" for n in unique]


def _user_data(names: Sequence[str], values: Sequence[str]) -> tuple[dict[str, Any], list[str]]:
    (name,), (value,) = names, values
    script = f"#!/bin/bash\nset -euo pipefail\nexport {name}={value}\n/opt/app/start.sh\n"
    return {"ami": "ami-0abcdef1234567890", "instanceType": "t3.micro", "userData": script}, ["userData"]


def _user_data_b64(names: Sequence[str], values: Sequence[str]) -> tuple[dict[str, Any], list[str]]:
    (name,), (value,) = names, values
    script = f"#!/bin/bash\necho '{name}={value}' >> /etc/app.env\nsystemctl start app\n"
    return {"instanceType": "t3.micro", "userDataBase64": _b64(script)}, ["userDataBase64"]


def _launch_template(names: Sequence[str], values: Sequence[str]) -> tuple[dict[str, Any], list[str]]:
    (name,), (value,) = names, values
    script = f"#cloud-config\nwrite_files:\n  - path: /etc/app.env\n    content: |\n      {name}={value}\n"
    return {"imageId": "ami-0abcdef1234567890", "userData": _b64(script)}, ["userData"]


def _k8s_map(
    key: str, encode: Callable[[str], str]
) -> Callable[[Sequence[str], Sequence[str]], tuple[dict[str, Any], list[str]]]:
    def build(names: Sequence[str], values: Sequence[str]) -> tuple[dict[str, Any], list[str]]:
        unique = [n.replace("_", "-") for n in _names(names)]
        props = {"metadata": {"name": "app"}, key: {n: encode(v) for n, v in zip(unique, values, strict=True)}}
        return props, [f'{key}["{n}"]' if "-" in n else f"{key}.{n}" for n in unique]

    return build


def _configmap_file(names: Sequence[str], values: Sequence[str]) -> tuple[dict[str, Any], list[str]]:
    unique = _names(names)
    content = json.dumps({"settings": dict(zip(unique, values, strict=True))})
    return {"metadata": {"name": "app"}, "data": {"config.json": content}}, [f'data["config.json"].settings.{n}' for n in unique]


def _outputs(names: Sequence[str], values: Sequence[str]) -> tuple[dict[str, Any], list[str]]:
    unique = _names(names)
    return dict(zip(unique, values, strict=True)), list(unique)


def _outputs_json(names: Sequence[str], values: Sequence[str]) -> tuple[dict[str, Any], list[str]]:
    unique = _names(names)
    return {"config": json.dumps(dict(zip(unique, values, strict=True)))}, [f"config.{n}" for n in unique]


def _b64_values(
    build: Callable[[Sequence[str], Sequence[str]], tuple[dict[str, Any], list[str]]],
) -> Callable[..., tuple[dict[str, Any], list[str]]]:
    def wrapped(names: Sequence[str], values: Sequence[str]) -> tuple[dict[str, Any], list[str]]:
        return build(names, [_b64(v) for v in values])

    return wrapped


_POD = ("spec", "template", "spec", "containers")
AZURERM_APPS = (
    "linuxFunctionApp:LinuxFunctionApp",
    "windowsFunctionApp:WindowsFunctionApp",
    "linuxWebApp:LinuxWebApp",
    "windowsWebApp:WindowsWebApp",
    "linuxFunctionAppSlot:LinuxFunctionAppSlot",
    "windowsFunctionAppSlot:WindowsFunctionAppSlot",
    "linuxWebAppSlot:LinuxWebAppSlot",
    "windowsWebAppSlot:WindowsWebAppSlot",
)
"""The azurerm App Service types (``azure:appservice/<token>``) that carry app settings, listed apart from the pack's own."""

PLACEMENTS: tuple[Placement, ...] = (
    Placement("lambda env", "aws:lambda/function:Function", _env_map("environment", "variables")),
    Placement("lambda env (base64)", "aws:lambda/function:Function", _b64_values(_env_map("environment", "variables"))),
    Placement("ecs task definition", "aws:ecs/taskDefinition:TaskDefinition", _ecs),
    Placement("container app", "azure-native:app:ContainerApp", _env_list(("template", "containers"), "env")),
    Placement("container apps job", "azure-native:app:Job", _env_list(("template", "initContainers"), "env")),
    Placement("container app init", "azure-native:app:ContainerApp", _env_list(("template", "initContainers"), "env")),
    Placement("container apps job containers", "azure-native:app:Job", _env_list(("template", "containers"), "env")),
    Placement("container app (azurerm)", "azure:containerapp/app:App", _env_list(("template", "containers"), "envs")),
    Placement("container app (azurerm) init", "azure:containerapp/app:App", _env_list(("template", "initContainers"), "envs")),
    Placement("web app", "azure-native:web:WebApp", _app_settings),
    Placement("web app slot", "azure-native:web:WebAppSlot", _app_settings),
    Placement("web app settings", "azure-native:web:WebAppApplicationSettings", _env_map("properties")),
    Placement("web app slot settings", "azure-native:web:WebAppApplicationSettingsSlot", _env_map("properties")),
    *(
        Placement(f"azurerm {token.split(':')[1]}", f"azure:appservice/{token}", _env_map("appSettings"))
        for token in AZURERM_APPS
    ),
    *(
        Placement(f"container instances {label}", f"azure-native:containerinstance:{token}", build)
        for label, token, build in (
            ("group", "ContainerGroup", _env_list(("containers",), "environmentVariables")),
            ("group secureValue", "ContainerGroup", _env_list(("containers",), "environmentVariables", value_key="secureValue")),
            ("group init", "ContainerGroup", _env_list(("initContainers",), "environmentVariables")),
            ("group profile", "ContainerGroupProfile", _env_list(("containers",), "environmentVariables")),
            ("CG profile", "CGProfile", _env_list(("containers",), "environmentVariables")),
        )
    ),
    Placement(
        "container group (azurerm)", "azure:containerservice/group:Group", _container_map("containers", "environmentVariables")
    ),
    Placement(
        "container group (azurerm) init",
        "azure:containerservice/group:Group",
        _container_map("initContainers", "secureEnvironmentVariables"),
    ),
    Placement(
        "app runner image",
        "aws:apprunner/service:Service",
        _env_map("sourceConfiguration", "imageRepository", "imageConfiguration", "runtimeEnvironmentVariables"),
    ),
    Placement(
        "app runner code",
        "aws:apprunner/service:Service",
        _env_map(
            "sourceConfiguration", "codeRepository", "codeConfiguration", "codeConfigurationValues", "runtimeEnvironmentVariables"
        ),
    ),
    Placement("cloud run v1", "gcp:cloudrun/service:Service", _env_list(("template", "spec", "containers"), "envs")),
    Placement("cloud run v2 service", "gcp:cloudrunv2/service:Service", _env_list(("template", "containers"), "envs")),
    Placement("cloud run v2 job", "gcp:cloudrunv2/job:Job", _env_list(("template", "template", "containers"), "envs")),
    Placement("cloud function v1", "gcp:cloudfunctions/function:Function", _env_map("environmentVariables")),
    Placement("cloud function v1 build", "gcp:cloudfunctions/function:Function", _env_map("buildEnvironmentVariables")),
    Placement("cloud function v2", "gcp:cloudfunctionsv2/function:Function", _env_map("serviceConfig", "environmentVariables")),
    Placement(
        "cloud function v2 build", "gcp:cloudfunctionsv2/function:Function", _env_map("buildConfig", "environmentVariables")
    ),
    Placement("k8s secret stringData", "kubernetes:core/v1:Secret", _k8s_map("stringData", lambda v: v)),
    Placement("k8s secret data (base64)", "kubernetes:core/v1:Secret", _k8s_map("data", _b64)),
    Placement("k8s configmap data", "kubernetes:core/v1:ConfigMap", _k8s_map("data", lambda v: v)),
    Placement("k8s configmap file (JSON)", "kubernetes:core/v1:ConfigMap", _configmap_file),
    Placement("k8s configmap binaryData (base64)", "kubernetes:core/v1:ConfigMap", _k8s_map("binaryData", _b64)),
    *(
        Placement(f"k8s {kind.lower()} env", f"kubernetes:{group}:{kind}", _env_list(_POD, "env"))
        for group, kind in (
            ("apps/v1", "Deployment"),
            ("apps/v1", "StatefulSet"),
            ("apps/v1", "DaemonSet"),
            ("apps/v1", "ReplicaSet"),
            ("batch/v1", "Job"),
        )
    ),
    Placement("k8s pod containers", "kubernetes:core/v1:Pod", _env_list(("spec", "containers"), "env")),
    Placement("k8s pod init containers", "kubernetes:core/v1:Pod", _env_list(("spec", "initContainers"), "env")),
    Placement(
        "k8s deployment init containers",
        "kubernetes:apps/v1:Deployment",
        _env_list(("spec", "template", "spec", "initContainers"), "env"),
    ),
    Placement(
        "k8s cronjob env",
        "kubernetes:batch/v1:CronJob",
        _env_list(("spec", "jobTemplate", "spec", "template", "spec", "containers"), "env"),
    ),
    Placement("ssm String parameter", "aws:ssm/parameter:Parameter", _ssm, one_per_resource=True),
    Placement("ssm parameter value", "aws:ssm/parameter:Parameter", _ssm_value, one_per_resource=True),
    Placement("ssm String parameter (JSON)", "aws:ssm/parameter:Parameter", _ssm_json),
    Placement("codebuild environment", "aws:codebuild/project:Project", _codebuild),
    Placement("ec2 userData", "aws:ec2/instance:Instance", _user_data, one_per_resource=True),
    Placement("ec2 userDataBase64", "aws:ec2/instance:Instance", _user_data_b64, one_per_resource=True),
    Placement(
        "launch configuration userDataBase64",
        "aws:ec2/launchConfiguration:LaunchConfiguration",
        _user_data_b64,
        one_per_resource=True,
    ),
    Placement(
        "launch configuration userData",
        "aws:ec2/launchConfiguration:LaunchConfiguration",
        _user_data,
        one_per_resource=True,
    ),
    Placement(
        "launch template userData (base64)", "aws:ec2/launchTemplate:LaunchTemplate", _launch_template, one_per_resource=True
    ),
    Placement("stack outputs", STACK, _outputs),
    Placement("stack outputs (JSON)", STACK, _outputs_json),
)
"""Every place the corpus puts each value."""

BATCH = 500
"""Values per resource for placements that hold many."""


def place(placement: Placement, samples: Sequence[Sample]) -> list[tuple[dict[str, Any], list[int], list[str]]]:
    """Split ``samples`` into resources of ``placement``.

    Returns ``(props, sample indexes, paths)`` per resource: the value of ``samples[indexes[j]]``
    sits at property path ``paths[j]``.
    """
    size = 1 if placement.one_per_resource else BATCH
    out = []
    for start in range(0, len(samples), size):
        chunk = samples[start : start + size]
        props, paths = placement.build([s.name for s in chunk], [s.value for s in chunk])
        out.append((props, list(range(start, start + len(chunk))), paths))
    return out
