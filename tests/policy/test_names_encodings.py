"""What names say about their values, and the encodings the pack sees through."""

from __future__ import annotations

import base64
import json

import pytest
from ai_keys_policy.encodings import decode_base64_text, is_jwt, is_public_key
from ai_keys_policy.names import mentions, name_words, says_public, says_secret


@pytest.mark.parametrize(
    ("name", "words"),
    [
        ("AzureOpenAI__ApiKey", ("azure", "open", "ai", "api", "key")),
        ("API_KEY_17", ("api", "key")),
        ("mistral-api-key", ("mistral", "api", "key")),
        ("/app/prod/MD5", ("app", "prod", "md")),
    ],
)
def test_name_words(name, words):
    assert name_words(name) == words


@pytest.mark.parametrize(
    "name", ["VPC_ID", "KMS_KEY_ARN", "CONFIG_HASH", "PUBLIC_KEY", "SUPABASE_ANON_KEY", "sourceCodeHash", "KMS_KEY"]
)
def test_public_names(name):
    assert says_public(name)
    assert not says_secret(name)


@pytest.mark.parametrize("name", ["API_KEY", "authToken", "DB_PASSWORD", "CLIENT_SECRET", "openaiApiKey", "SIGNING_KEY"])
def test_secret_names(name):
    assert says_secret(name)
    assert not says_public(name)


@pytest.mark.parametrize("name", ["BUCKET", "PRIVATE_SUBNET", "LOG_LEVEL", "VALUE", ""])
def test_neutral_names(name):
    assert not says_secret(name)


def test_mentions():
    assert mentions("MISTRAL_API_KEY", "mistral")
    assert mentions("AzureOpenAI__ApiKey", "openai")
    assert not mentions("MY_API_KEY", "mistral")


class TestBase64:
    def test_text_is_decoded(self):
        assert decode_base64_text(base64.b64encode(b"#!/bin/bash\necho hello\n").decode()) == "#!/bin/bash\necho hello\n"
        assert decode_base64_text(base64.urlsafe_b64encode(b"a~b?c>d" * 4).decode().rstrip("=")) == "a~b?c>d" * 4

    @pytest.mark.parametrize("text", ["short", "not base64 at all!", "user-uploads-70e2e61", "A" * 15])
    def test_non_base64_is_not_decoded(self, text):
        assert decode_base64_text(text) is None

    def test_binary_is_not_decoded(self):
        assert decode_base64_text(base64.b64encode(bytes(range(256))).decode()) is None


class TestPublicMaterial:
    def test_jwt(self):
        header = base64.urlsafe_b64encode(json.dumps({"alg": "HS256"}).encode()).decode().rstrip("=")
        payload = base64.urlsafe_b64encode(b'{"role": "anon"}').decode().rstrip("=")
        assert is_jwt(f"{header}.{payload}.c2lnbmF0dXJl")
        assert not is_jwt(f"eyJub3QganNvbg.{payload}.c2ln")  # header is not JSON
        assert not is_jwt("eyJhbGciOi")

    def test_public_key_but_not_private_key(self):
        spki = bytes.fromhex("3059301306072a8648ce3d020106082a8648ce3d030107034200") + b"\x04" + bytes(64)
        assert is_public_key(base64.b64encode(spki).decode())
        # PKCS #8 private key: SEQUENCE { INTEGER 0, AlgorithmIdentifier, ... }
        pkcs8 = bytes.fromhex("308187020100301306072a8648ce3d020106082a8648ce3d030107046d") + bytes(109)
        assert not is_public_key(base64.b64encode(pkcs8).decode())
        assert not is_public_key(base64.b64encode(bytes(range(64))).decode())
