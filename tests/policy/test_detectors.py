"""The pure key detectors: patterns, entropy, identifiers."""

from __future__ import annotations

import string
import time

import pytest
from ai_keys_policy.detectors import (
    KeyKind,
    find_key_by_name,
    find_keys,
    looks_high_entropy,
    looks_like_identifier,
    shannon_entropy,
)

PATTERN_CASES = [
    ("OPENAI", KeyKind.OPENAI, "sk-…"),
    ("OPENAI_PROJECT", KeyKind.OPENAI, "sk-…"),
    ("ANTHROPIC", KeyKind.ANTHROPIC, "sk-a…"),
    ("AWS_KEY_ID", KeyKind.AWS_ACCESS_KEY_ID, "AKIA…"),
    ("AWS_TEMP_KEY_ID", KeyKind.AWS_ACCESS_KEY_ID, "ASIA…"),
    ("GOOGLE", KeyKind.GOOGLE_API_KEY, "AIza…"),
    ("GOOGLE_AUTH", KeyKind.GOOGLE_AUTH_KEY, "AQ.…"),
    ("BEDROCK", KeyKind.BEDROCK_API_KEY, "ABSK…"),
    ("BEDROCK_SHORT_TERM", KeyKind.BEDROCK_API_KEY, "bedr…"),
]


class TestFindKeys:
    @pytest.mark.parametrize(("attr", "kind", "hint"), PATTERN_CASES)
    def test_recognises_each_kind_alone(self, keys, attr, kind, hint):
        """A bare key is found, as exactly one match of its kind, with only the fixed prefix shown."""
        matches = find_keys(getattr(keys, attr))
        assert [(m.kind, m.hint) for m in matches] == [(kind, hint)]

    @pytest.mark.parametrize(("attr", "kind", "hint"), PATTERN_CASES)
    def test_recognises_each_kind_inside_text(self, keys, attr, kind, hint):
        """Keys embedded in longer text (headers, URLs, JSON) are found too."""
        text = f'curl -H "Authorization: Bearer {getattr(keys, attr)}" https://example.com?x=1'
        assert [m.kind for m in find_keys(text)] == [kind]

    def test_hint_never_exceeds_four_characters(self, keys):
        for attr, _, _ in PATTERN_CASES:
            for match in find_keys(getattr(keys, attr)):
                assert len(match.hint.rstrip("…")) <= 4

    def test_several_kinds_in_one_string(self, keys):
        text = f"{keys.OPENAI} {keys.AWS_KEY_ID} {keys.GOOGLE}"
        kinds = {m.kind for m in find_keys(text)}
        assert kinds == {KeyKind.OPENAI, KeyKind.AWS_ACCESS_KEY_ID, KeyKind.GOOGLE_API_KEY}

    def test_anthropic_key_is_not_also_reported_as_openai(self, keys):
        assert [m.kind for m in find_keys(keys.ANTHROPIC)] == [KeyKind.ANTHROPIC]

    @pytest.mark.parametrize(
        "text",
        [
            "",
            "hello world",
            "sk-" + "A" * 31,  # one character too short for a legacy OpenAI key
            "sk-proj-" + "A" * 39,
            "sk-ant-" + "A" * 31,
            "task-" + "A" * 48,  # "sk-" must start a token
            "my-task-definition-for-the-summarizer-service",
            "sk-learn-model-registry-production-east",  # kebab-case name, not a key
            "AKIA" + "A" * 15,  # 15 characters after the prefix
            "AKIA" + "A" * 17,  # 17: part of a longer token
            "XAKIA" + "A" * 16,
            "akia" + "a" * 16,
            "AIza" + "A" * 34,
            "AIza" + "A" * 36,
            "arn:aws:secretsmanager:us-east-1:123456789012:secret:openai-AbCdEf",
            "AQ." + "A" * 39,  # too short for a Google authorization key
            "xAQ." + "A" * 48,  # "AQ." must start a token
            "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0AQ." + "A" * 43,  # the tail of a JWT part, not a key
            "ABSK" + "A" * 39,  # too short for a Bedrock key
            "XABSK" + "A" * 60,
            "absk" + "a" * 60,
            "bedrock-api-key-" + "QmVkcm9jaw" * 8,  # a presigned URL of another host
            "bedrock-api-key-rotation-schedule-for-the-summarizer-service",
        ],
    )
    def test_ignores_near_misses(self, text):
        assert find_keys(text) == []

    def test_boundary_accepts_separators_before_the_key(self, keys):
        for prefix in ("=", ":", "'", '"', " ", "/", "\n"):
            assert find_keys(prefix + keys.OPENAI), prefix


class TestEntropy:
    def test_shannon_entropy_values(self):
        assert shannon_entropy("") == 0.0
        assert shannon_entropy("aaaa") == 0.0
        assert shannon_entropy("ab") == pytest.approx(1.0)
        assert shannon_entropy("abcd") == pytest.approx(2.0)
        assert shannon_entropy(string.hexdigits[:16]) == pytest.approx(4.0)

    def test_random_tokens_are_flagged(self, keys):
        assert looks_high_entropy(keys.HIGH_ENTROPY)
        assert looks_high_entropy(keys.HEX, name="AZURE_SPEECH_KEY")

    def test_32_hex_digits_need_a_credential_name(self, keys):
        """32 hex digits are an MD5 checksum, a Key Vault version or an ECS task id as often as a key."""
        assert not looks_high_entropy(keys.HEX)
        assert not looks_high_entropy(keys.HEX, name="CONFIG_MD5")
        assert looks_high_entropy(keys.HEX, name="API_TOKEN")

    @pytest.mark.parametrize("alphabet", [string.ascii_letters + string.digits, string.ascii_letters + "+/0189"])
    def test_most_random_mixed_case_tokens_are_flagged(self, alphabet):
        import random

        rng = random.Random(42)
        tokens = ["".join(rng.choice(alphabet) for _ in range(32)) for _ in range(500)]
        flagged = sum(looks_high_entropy(t) for t in tokens)
        assert flagged >= 495

    def test_jwt_like_value_is_flagged(self, keys):
        token = f"eyJ{keys.HIGH_ENTROPY[:20]}.eyJ{keys.HIGH_ENTROPY[20:]}.{keys.HIGH_ENTROPY[::-1]}"
        assert looks_high_entropy(token)

    @pytest.mark.parametrize(
        "value",
        [
            "gpt-4o-mini-2024-07-18",
            "text-embedding-3-large-20240125",
            "claude-3-5-sonnet-20241022",
            "meta-llama/Llama-3.1-8B-Instruct",
            "sentence-transformers/all-MiniLM-L6-v2",
            "projects/my-project/secrets/openai/versions/latest",
            "123456789012.dkr.ecr.us-east-1.amazonaws.com",
            "us-central1-docker.pkg.dev/my-proj/repo/app",
            "org.apache.kafka.common.serialization.StringSerializer",
            "/opt/app/config/settings.yaml",
            "OPENAI_API_KEY_SECRET_ARN_VALUE",
            "MyApplicationSecretNameV2Prod",
            "HTTPServerRequestTimeout30s",
            "internationalization",
            "arn:aws:secretsmanager:us-east-1:123456789012:secret:openai-AbCdEf",
            "https://vault-name.vault.azure.net/secrets/openai",
            "@Microsoft.KeyVault(SecretUri=https://v.vault.azure.net/secrets/openai/)",
            "postgres://app@db.internal:5432/app",
            "123e4567-e89b-12d3-a456-426614174000",
            "INFO,WARN,ERROR,DEBUG,TRACE",
            "a sentence with spaces that is long enough",
        ],
    )
    def test_ordinary_values_are_not_flagged(self, value):
        assert not looks_high_entropy(value)

    def test_hex_digests_and_short_hex_are_not_flagged(self, keys):
        sha1 = keys.HEX + keys.HEX[:8]
        sha256 = keys.HEX * 2
        assert len(sha1) == 40
        assert not looks_high_entropy(sha1)
        assert not looks_high_entropy(sha256)
        assert not looks_high_entropy(keys.HEX[:31])

    def test_thresholds_and_min_length_are_honoured(self, keys):
        token = keys.HIGH_ENTROPY
        assert not looks_high_entropy(token, threshold=8.0)
        assert not looks_high_entropy(token[:19])
        assert looks_high_entropy(token[:12], min_length=12, threshold=3.0)
        assert not looks_high_entropy(keys.HEX, hex_threshold=4.01)

    def test_linear_time_on_huge_inputs(self):
        """No pathological backtracking: a quarter megabyte of adversarial text is handled quickly."""
        started = time.perf_counter()
        for text in ("aB" * 125_000, "sk-" * 83_000, "a1" * 125_000, "-a" * 125_000, "sk-ant-" + "-" * 250_000):
            looks_high_entropy(text)
            find_keys(text)
        assert time.perf_counter() - started < 5


class TestIdentifier:
    @pytest.mark.parametrize("value", ["gpt-4o-mini", "MY_SERVICE_NAME", "MyServiceNameV2", "api.example.com", "central1", "30s"])
    def test_identifiers(self, value):
        assert looks_like_identifier(value)

    @pytest.mark.parametrize("value", ["xK9mQ2pLw7Rt", "Zq8wLp3XvB", "k3j9xq2m8z", "abc+def+ghi==", "word~word~word"])
    def test_random_text_is_not_an_identifier(self, value):
        assert not looks_like_identifier(value, cloud_ids=False)

    @pytest.mark.parametrize(
        "value",
        [
            "user-uploads-70e2e61",  # Pulumi auto-name
            "ordersTable-1a2b3c4d",
            "vpc-0a1b2c3d4e5f67890",
            "subnet-0123456789abcdef0",
            "fs-0123456789abcdef0",
            "Z0719462P6HTLUWSOGX2",  # Route 53 hosted zone
            "AROA3XFRBF535PLBIFPI4",  # IAM role unique id
            "db-ABCDEFGHIJKL0123456789MNOP",  # RDS DbiResourceId
            "4e8f2k9q1m3n5p7r0t2v4x6z8b",  # Cognito app client id
            "us-east-1_AbC12dEfG",  # Cognito user pool id
            "openai-key-AbCdEf",  # Secrets Manager name suffix
        ],
    )
    def test_cloud_ids_are_identifiers(self, value):
        assert looks_like_identifier(value)
        assert not looks_high_entropy(value)


class TestFindKeyByName:
    HEX32 = "0123456789abcdef" * 2
    ALNUM32 = "FAKEfake" * 4

    @pytest.mark.parametrize(
        ("name", "value", "kind"),
        [
            ("AZURE_OPENAI_API_KEY", HEX32, KeyKind.AZURE_AI_KEY),
            ("AzureOpenAI__ApiKey", HEX32, KeyKind.AZURE_AI_KEY),
            ("MISTRAL_API_KEY", ALNUM32, KeyKind.MISTRAL),
            ("CO_API_KEY", ALNUM32 + "AbCdEfGh", KeyKind.COHERE),
            ("TOGETHER_API_KEY", HEX32 * 2, KeyKind.TOGETHER),
            ("AWS_SECRET_ACCESS_KEY", "FAKE/fake+" * 4, KeyKind.AWS_SECRET_ACCESS_KEY),
            ("API_GATEWAY_KEY", "FAKEfake01" * 4, KeyKind.AWS_API_GATEWAY_KEY),  # what API Gateway generates
            ("apigwApiKey", "FAKEfake01" * 2, KeyKind.AWS_API_GATEWAY_KEY),  # 20, the shortest it accepts
            ("ORDERS_APIGW_TOKEN", "FAKEfake01" * 12 + "FAKEfake", KeyKind.AWS_API_GATEWAY_KEY),  # 128, the longest
        ],
    )
    def test_recognises_keys_by_name(self, name, value, kind):
        match = find_key_by_name(name, value)
        assert match is not None
        assert (match.kind, match.hint) == (kind, "")

    @pytest.mark.parametrize(
        ("name", "value"),
        [
            ("AZURE_OPENAI_DEPLOYMENT", HEX32),  # no credential word
            ("CONFIG_MD5", HEX32),
            ("MISTRAL_DEPLOYMENT_ID", ALNUM32),  # an id
            ("API_KEY", ALNUM32),  # whose key? left to the entropy rule
            ("MISTRAL_API_KEY", ALNUM32[:31]),
            ("API_GATEWAY_KEY", ALNUM32[:19]),  # shorter than API Gateway accepts
            ("API_GATEWAY_KEY", ALNUM32 * 5),  # longer
            ("API_GATEWAY_KEY", "FAKE-fake-" * 4),  # not letters and digits only
            ("API_GATEWAY_STAGE", ALNUM32),  # no credential word
            ("API_GATEWAY_KEY_ID", ALNUM32),  # an id
            ("API_KEY", "FAKEfake01" * 4),  # whose key? left to the entropy rule
        ],
    )
    def test_needs_both_shape_and_name(self, name, value):
        assert find_key_by_name(name, value) is None

    def test_azure_endpoint_context(self):
        assert find_key_by_name("API_KEY", self.HEX32) is None
        match = find_key_by_name("API_KEY", self.HEX32, azure_ai_context=True)
        assert match is not None
        assert match.kind is KeyKind.AZURE_AI_KEY


class TestVendorPrefixes:
    ALNUM = "FAKEfake0123" * 8

    @pytest.mark.parametrize(
        ("text", "kind"),
        [
            ("sk-None-" + ALNUM[:48], KeyKind.OPENAI),
            ("sk-" + "0123456789abcdef" * 2, KeyKind.DEEPSEEK),
            ("sk-or-v1-" + "0123456789abcdef" * 4, KeyKind.OPENROUTER),
            ("sk-ant-admin01-" + ALNUM[:40], KeyKind.ANTHROPIC),
            ("hf_" + ALNUM[:34], KeyKind.HUGGING_FACE),
            ("gsk_" + ALNUM[:52], KeyKind.GROQ),
            ("tgp_v1_" + ALNUM[:43], KeyKind.TOGETHER),
            ("pplx-" + ALNUM[:48], KeyKind.PERPLEXITY),
            ("xai-" + ALNUM[:80], KeyKind.XAI),
            ("r8_" + ALNUM[:37], KeyKind.REPLICATE),
        ],
        ids=[
            "openai-none",
            "deepseek",
            "openrouter",
            "anthropic-admin",
            "hf",
            "groq",
            "together",
            "perplexity",
            "xai",
            "replicate",
        ],
    )
    def test_each_prefix_is_its_own_kind(self, text, kind):
        assert [m.kind for m in find_keys(text)] == [kind]
        assert [m.kind for m in find_keys(f"export TOKEN='{text}'")] == [kind]

    @pytest.mark.parametrize(
        "text",
        [
            "hf_" + "a" * 29,
            "my_hf_" + "a" * 34,
            "gsk_" + "a" * 39,
            "xr8_" + "a" * 37,
            "pplx-" + "a" * 39,
            "xai-" + "a" * 59,
            "disk-" + "0123456789abcdef" * 2,
        ],
    )
    def test_near_misses(self, text):
        assert find_keys(text) == []
