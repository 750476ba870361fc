"""parse_secret_ref: the reference forms each backend's secret_ref output produces, and nothing else."""

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ai_keys.errors import AiKeysError
from ai_keys.runtime import (
    AwsSecretRef,
    AzureSecretRef,
    GcpSecretRef,
    UnknownSecretRefError,
    parse_secret_ref,
)


@pytest.mark.parametrize(
    ("ref", "partition", "region", "account", "name"),
    [
        (
            "arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/openai-AbC123",
            "aws",
            "us-east-1",
            "123456789012",
            "prod/openai-AbC123",
        ),
        ("arn:aws-cn:secretsmanager:cn-north-1:123456789012:secret:k-a1B2c3", "aws-cn", "cn-north-1", "123456789012", "k-a1B2c3"),
        (
            "arn:aws-us-gov:secretsmanager:us-gov-west-1:000000000001:secret:a_b+c=d.e@f-XyZ987",
            "aws-us-gov",
            "us-gov-west-1",
            "000000000001",
            "a_b+c=d.e@f-XyZ987",
        ),
        (
            "arn:aws-iso-b:secretsmanager:us-isob-east-1:123456789012:secret:k-aaaaaa",
            "aws-iso-b",
            "us-isob-east-1",
            "123456789012",
            "k-aaaaaa",
        ),
        ("arn:aws:secretsmanager:ap-southeast-2:123456789012:secret:partial", "aws", "ap-southeast-2", "123456789012", "partial"),
    ],
)
def test_aws_arns_parse_with_region_from_the_arn(ref: str, partition: str, region: str, account: str, name: str) -> None:
    parsed = parse_secret_ref(ref)
    assert parsed == AwsSecretRef(ref, partition, region, account, name)
    assert isinstance(parsed, AwsSecretRef)
    assert parsed.arn == ref


@pytest.mark.parametrize(
    ("ref", "vault_url", "name", "version"),
    [
        ("https://kv-payments.vault.azure.net/secrets/openai", "https://kv-payments.vault.azure.net", "openai", None),
        ("https://kv-payments.vault.azure.net/secrets/openai/", "https://kv-payments.vault.azure.net", "openai", None),
        (
            "https://kv-payments.vault.azure.net/secrets/openai/0123456789abcdef0123456789abcdef",
            "https://kv-payments.vault.azure.net",
            "openai",
            "0123456789abcdef0123456789abcdef",
        ),
        ("https://KV-Upper.Vault.Azure.Net/secrets/Key-1", "https://kv-upper.vault.azure.net", "Key-1", None),
        ("https://kvcn.vault.azure.cn/secrets/k", "https://kvcn.vault.azure.cn", "k", None),
        ("https://kvgov.vault.usgovcloudapi.net/secrets/k/v1", "https://kvgov.vault.usgovcloudapi.net", "k", "v1"),
        ("https://kvde.vault.microsoftazure.de:443/secrets/k", "https://kvde.vault.microsoftazure.de", "k", None),
    ],
)
def test_azure_secret_uris_parse_with_vault_and_optional_version(
    ref: str, vault_url: str, name: str, version: "str | None"
) -> None:
    assert parse_secret_ref(ref) == AzureSecretRef(ref, vault_url, name, version)


@pytest.mark.parametrize(
    ("ref", "project", "secret", "version"),
    [
        ("projects/my-proj-1/secrets/openai/versions/latest", "my-proj-1", "openai", "latest"),
        ("projects/my-proj-1/secrets/openai/versions/7", "my-proj-1", "openai", "7"),
        ("projects/my-proj-1/secrets/openai_key-2/versions/prod-alias", "my-proj-1", "openai_key-2", "prod-alias"),
        ("projects/my-proj-1/secrets/openai", "my-proj-1", "openai", "latest"),
        ("projects/123456789012/secrets/openai", "123456789012", "openai", "latest"),
        ("projects/example.com:legacy-proj/secrets/k/versions/2", "example.com:legacy-proj", "k", "2"),
    ],
)
def test_gcp_names_parse_and_default_to_latest(ref: str, project: str, secret: str, version: str) -> None:
    parsed = parse_secret_ref(ref)
    assert parsed == GcpSecretRef(ref, project, secret, version)
    assert isinstance(parsed, GcpSecretRef)
    assert parsed.version_name == f"projects/{project}/secrets/{secret}/versions/{version}"


@pytest.mark.parametrize(
    "ref",
    [
        "",
        "openai",
        "arn:aws:s3:::my-bucket",
        "arn:aws:secretsmanager:us-east-1:123:secret:short-account",
        "arn:aws:secretsmanager:us-east-1:123456789012:key:not-a-secret",
        "arn:aws:secretsmanager::123456789012:secret:no-region",
        "http://kv.vault.azure.net/secrets/plain-http",
        "https://kv.example.com/secrets/not-a-vault",
        "https://kv.vault.azure.net/keys/a-key",
        "https://kv.vault.azure.net/secrets/bad_name",
        "https://kv.vault.azure.net/secrets/k?api-version=7.4",
        "projects/p/secrets/s/versions/",
        "projects/my-proj-1/locations/us-central1/secrets/s/versions/1",
        "projects/my-proj-1/secrets/s/versions/1/extra",
        "sm://my-proj-1/s",
        "openai-key",
        "a1b2c3d4e5f",
    ],
)
def test_other_strings_are_refused_naming_every_accepted_form(ref: str) -> None:
    with pytest.raises(UnknownSecretRefError) as info:
        parse_secret_ref(ref)
    message = str(info.value)
    assert "arn:PARTITION:secretsmanager:REGION:ACCOUNT:secret:NAME" in message
    assert "https://VAULT.vault.azure.net/secrets/NAME[/VERSION]" in message
    assert "projects/PROJECT/secrets/SECRET[/versions/VERSION]" in message
    assert isinstance(info.value, ValueError)
    assert isinstance(info.value, AiKeysError)


def test_a_reference_like_string_is_quoted_to_help_fix_it() -> None:
    with pytest.raises(UnknownSecretRefError, match=r"'arn:aws:s3:::my-bucket' is not a secret reference"):
        parse_secret_ref("arn:aws:s3:::my-bucket")


def test_a_key_value_passed_by_mistake_is_never_echoed() -> None:
    value = "sk-proj-abcdefghijklmnopqrstuvwxyz0123456789"
    with pytest.raises(UnknownSecretRefError) as info:
        parse_secret_ref(value)
    assert value not in str(info.value)
    assert "abcdef" not in str(info.value)
    assert f"({len(value)} characters, not shown" in str(info.value)


@pytest.mark.parametrize(
    ("value", "hidden"),
    [
        ("https://hooks.slack.com/services/T0000/B0000/XXXXXXXXXXXXXXXXXXXXXXXX", "XXXXXXXXXXXXXXXX"),
        ("https://user:hunter2-password@example.com/path", "hunter2"),
        ("https://kv.vault.azure.net@evil.example.com/secrets/k", "evil.example"),
    ],
)
def test_a_url_that_is_not_a_vault_uri_is_never_echoed(value: str, hidden: str) -> None:
    # A webhook URL, or one with credentials in it, is a secret itself.
    with pytest.raises(UnknownSecretRefError) as info:
        parse_secret_ref(value)
    assert hidden not in str(info.value)
    assert f"({len(value)} characters, not shown" in str(info.value)


def test_a_vault_uri_of_the_wrong_shape_is_quoted_to_help_fix_it() -> None:
    with pytest.raises(UnknownSecretRefError, match=r"'https://kv\.vault\.azure\.net/keys/a-key' is not a secret reference"):
        parse_secret_ref("https://kv.vault.azure.net/keys/a-key")


def test_a_non_string_is_refused() -> None:
    with pytest.raises(UnknownSecretRefError, match="must be a str, got NoneType"):
        parse_secret_ref(None)  # type: ignore[arg-type]


@given(
    st.text(min_size=8).filter(
        lambda s: (
            not s.strip().startswith(("arn:", "https://", "http://", "projects/"))
            # An API Gateway key id's shape gets its own advice (tested on its own), which names no character of it either.
            and re.fullmatch(r"[a-z0-9]{10}", s) is None
        )
    )
)
def test_unrecognised_text_never_appears_in_the_error(text: str) -> None:
    # The message may depend on the text's length only: any text of that length yields the very same words, so none of its
    # characters can reach the message (a plain `text not in message` fails on texts like 'secret_r' that the fixed wording
    # happens to contain).
    with pytest.raises(UnknownSecretRefError) as info:
        parse_secret_ref(text)
    with pytest.raises(UnknownSecretRefError) as neutral:
        parse_secret_ref("?" * len(text))
    assert str(info.value) == str(neutral.value)
    assert f"({len(text)} characters, not shown" in str(info.value)


_NAME = st.text(alphabet="abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789/_+=.@-", min_size=1, max_size=64)


@given(
    name=_NAME,
    region=st.sampled_from(["us-east-1", "eu-west-3", "ap-northeast-2", "me-central-1"]),
    account=st.from_regex(r"\d{12}", fullmatch=True),
)
def test_every_valid_arn_round_trips(name: str, region: str, account: str) -> None:
    ref = f"arn:aws:secretsmanager:{region}:{account}:secret:{name}"
    assert parse_secret_ref(ref) == AwsSecretRef(ref, "aws", region, account, name)


ARN = "arn:aws:secretsmanager:us-east-1:123456789012:secret:k-AbC123"


@pytest.mark.parametrize(
    ("ref", "where"),
    [
        (ARN + "\n", "a trailing newline"),
        (ARN + "\r\n", "a trailing newline"),
        (" " + ARN, "spaces around it"),
        ("projects/my-proj-1/secrets/s\n", "a trailing newline"),
    ],
)
def test_a_reference_with_whitespace_around_it_says_so(ref: str, where: str) -> None:
    with pytest.raises(UnknownSecretRefError) as info:
        parse_secret_ref(ref)
    message = str(info.value)
    assert where in message
    assert "strip" in message
    assert repr(ref.strip()) in message  # the reference itself, quoted to help find it


@pytest.mark.parametrize("key_id", ["a1b2c3d4e5", "0123456789", "abcdefghij"])
def test_an_api_gateway_key_id_gets_the_specific_message(key_id: str) -> None:
    with pytest.raises(UnknownSecretRefError) as info:
        parse_secret_ref(key_id)
    message = str(info.value)
    assert "API Gateway API key id" in message
    assert "backend: aws-secrets-manager with issuer.aws_api_gateway" in message
    assert key_id not in message
