"""The stand-ins enforce the real services' limits, count what rotation tests rely on, and serve SDK clients."""

import json
import urllib.error
import urllib.request
from datetime import timedelta
from typing import Any, Optional

import anthropic
import boto3
import openai
import pytest
from botocore.config import Config

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

from .conftest import ADMIN_KEY, IAM_USER, OPENAI_PROJECT, Gateway


def call(method: str, url: str, body: Any = None, headers: Optional[dict[str, str]] = None) -> tuple[int, Any, dict[str, str]]:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(  # noqa: S310 - 127.0.0.1 only
        url, data=data, method=method, headers={"Content-Type": "application/json", **(headers or {})}
    )
    try:
        with urllib.request.urlopen(request, timeout=5) as answer:  # noqa: S310 - 127.0.0.1 only
            raw = answer.read()
            return answer.status, json.loads(raw) if raw else None, dict(answer.headers)
    except urllib.error.HTTPError as error:
        raw = error.read()
        try:
            parsed = json.loads(raw) if raw else None
        except ValueError:
            parsed = raw.decode()
        return error.code, parsed, dict(error.headers)


def iam_client(url: str) -> Any:
    return boto3.session.Session().client(
        "iam",
        endpoint_url=url,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        config=Config(retries={"mode": "standard", "total_max_attempts": 1}),
    )


def test_iam_allows_two_credentials_per_user_and_service(iam: IamStandIn, clock: SimClock) -> None:
    client = iam_client(iam.url)
    made = [client.create_service_specific_credential(UserName=IAM_USER, ServiceName="bedrock.amazonaws.com") for _ in range(2)]
    with pytest.raises(client.exceptions.LimitExceededException):
        client.create_service_specific_credential(UserName=IAM_USER, ServiceName="bedrock.amazonaws.com")
    first = made[0]["ServiceSpecificCredential"]
    client.update_service_specific_credential(
        UserName=IAM_USER, ServiceSpecificCredentialId=first["ServiceSpecificCredentialId"], Status="Inactive"
    )
    assert not iam.keys.is_live(first["ServiceCredentialSecret"])  # an inactive credential authenticates nothing
    with pytest.raises(client.exceptions.LimitExceededException):  # ...but still counts
        client.create_service_specific_credential(UserName=IAM_USER, ServiceName="bedrock.amazonaws.com")
    client.delete_service_specific_credential(UserName=IAM_USER, ServiceSpecificCredentialId=first["ServiceSpecificCredentialId"])
    with pytest.raises(client.exceptions.NoSuchEntityException):
        client.delete_service_specific_credential(
            UserName=IAM_USER, ServiceSpecificCredentialId=first["ServiceSpecificCredentialId"]
        )
    with pytest.raises(client.exceptions.NoSuchEntityException):
        client.create_service_specific_credential(UserName="nobody", ServiceName="bedrock.amazonaws.com")
    listed = client.list_service_specific_credentials(UserName=IAM_USER, ServiceName="bedrock.amazonaws.com")
    assert [c["Status"] for c in listed["ServiceSpecificCredentials"]] == ["Active"]
    assert "ServiceCredentialSecret" not in listed["ServiceSpecificCredentials"][0]
    assert iam.keys.max_live == 2
    assert iam.resets == 0


def test_iam_credentials_expire_and_resets_are_counted(iam: IamStandIn, clock: SimClock) -> None:
    client = iam_client(iam.url)
    made = client.create_service_specific_credential(UserName=IAM_USER, ServiceName="bedrock.amazonaws.com", CredentialAgeDays=1)
    credential = made["ServiceSpecificCredential"]
    key = credential["ServiceCredentialSecret"]
    assert key.startswith("ABSK")
    assert openai.OpenAI(api_key=key, base_url=iam.url + "/v1").models.list().data == []
    clock.advance(timedelta(days=1))
    assert not iam.keys.is_live(key) or iam.live(IAM_USER) == []
    with pytest.raises(openai.AuthenticationError):
        openai.OpenAI(api_key=key, base_url=iam.url + "/v1", max_retries=0).models.list()
    listed = client.list_service_specific_credentials(UserName=IAM_USER)["ServiceSpecificCredentials"]
    assert listed[0]["Status"] == "Expired"
    client.reset_service_specific_credential(
        UserName=IAM_USER, ServiceSpecificCredentialId=credential["ServiceSpecificCredentialId"]
    )
    assert iam.resets == 1


def test_openai_admin_api_pages_and_guards(openai_api: OpenAIStandIn) -> None:
    admin = {"Authorization": f"Bearer {ADMIN_KEY}"}
    base = f"{openai_api.url}/v1/organization/projects/{OPENAI_PROJECT}/service_accounts"
    made = [call("POST", base, {"name": f"acct-{n}"}, admin)[1] for n in range(5)]
    assert all(m["api_key"]["value"].startswith("sk-svcacct-") for m in made)
    ids: list[str] = []
    after: Optional[str] = None
    while True:
        status, page, _ = call("GET", base + f"?limit=2{'&after=' + after if after else ''}", headers=admin)
        assert status == 200
        ids += [a["id"] for a in page["data"]]
        assert "api_key" not in json.dumps(page)
        if not page["has_more"]:
            break
        after = page["last_id"]
    assert ids == [m["id"] for m in made]
    assert call("GET", base, headers={"Authorization": "Bearer sk-not-admin"})[0] == 401
    assert call("GET", f"{openai_api.url}/v1/organization/projects/proj_other/service_accounts", headers=admin)[0] == 404
    key = made[0]["api_key"]["value"]
    client = openai.OpenAI(api_key=key, base_url=openai_api.url + "/v1", max_retries=0)
    assert (
        client.chat.completions.create(model="m", messages=[{"role": "user", "content": "hi"}]).choices[0].message.content == "ok"
    )
    claude = anthropic.Anthropic(api_key=key, base_url=openai_api.url, max_retries=0)
    assert claude.messages.create(model="m", max_tokens=8, messages=[{"role": "user", "content": "hi"}]).content[0].text == "ok"  # type: ignore[union-attr]
    assert call("DELETE", f"{base}/{made[0]['id']}", headers=admin)[1]["deleted"] is True
    with pytest.raises(openai.AuthenticationError):
        client.models.list()
    with pytest.raises(anthropic.AuthenticationError):
        claude.messages.create(model="m", max_tokens=8, messages=[{"role": "user", "content": "hi"}])
    assert openai_api.keys.live_count == 4
    assert len(openai_api.keys.ever_valid()) == 5
    assert [c.status for c in openai_api.app.calls] == [200, 200, 401, 401]


def test_google_keys_rules_soft_delete_and_operations(clock: SimClock, metadata: MetadataStandIn) -> None:
    with GoogleApiKeysStandIn("p1", clock=clock, tokens=metadata, operation_polls=2, page_size=2) as keys:
        status, token, _ = call("GET", metadata.url + MetadataStandIn.PATH, headers={"Metadata-Flavor": "Google"})
        assert status == 200
        assert call("GET", metadata.url + MetadataStandIn.PATH)[0] == 403
        auth = {"Authorization": f"Bearer {token['access_token']}"}
        base = f"{keys.url}/v2/projects/p1/locations/global/keys"
        assert call("GET", base)[0] == 401
        for bad in ("Upper", "1starts-with-digit", "ends-", "0b8a2c4e-1f3d-4c5b-9a7e-6d2f1b3c4a5e"):
            assert call("POST", f"{base}?keyId={bad}", {}, auth)[0] == 400
        assert call("POST", f"{keys.url}/v2/projects/p1/locations/us/keys?keyId=k-1", {}, auth)[0] == 400
        status, operation, _ = call(
            "POST", f"{base}?keyId=k-1", {"restrictions": {"apiTargets": [{"service": "x.googleapis.com"}]}}, auth
        )
        assert (status, operation["done"]) == (200, False)
        assert call("GET", f"{keys.url}/v2/{operation['name']}", headers=auth)[1]["done"] is False
        done = call("GET", f"{keys.url}/v2/{operation['name']}", headers=auth)[1]
        assert done["done"] is True
        assert done["response"]["keyString"].startswith("AIza")
        assert call("POST", f"{base}?keyId=k-1", {}, auth)[0] == 409
        value = call("GET", f"{base}/k-1/keyString", headers=auth)[1]["keyString"]
        # A key whose API targets leave out the Gemini API is refused there.
        assert call("GET", f"{keys.url}/v1beta/models", headers={"x-goog-api-key": value})[0] == 403
        for n in range(2, 5):
            call("POST", f"{base}?keyId=k-{n}", {}, auth)
        listed, page = [], call("GET", base, headers=auth)[1]
        while True:
            listed += [k["name"].rsplit("/", 1)[1] for k in page["keys"]]
            if "nextPageToken" not in page:
                break
            page = call("GET", f"{base}?pageToken={page['nextPageToken']}", headers=auth)[1]
        assert listed == ["k-1", "k-2", "k-3", "k-4"]
        assert "keyString" not in json.dumps(page)
        assert call("DELETE", f"{base}/k-2", headers=auth)[0] == 200
        assert keys.held() == ["k-2"]
        assert keys.live() == ["k-1", "k-3", "k-4"]
        assert call("POST", f"{base}?keyId=k-2", {}, auth)[0] == 409  # a soft-deleted key's id stays taken
        assert call("GET", f"{base}/k-2", headers=auth)[0] == 404
        assert call("GET", f"{base}/k-2?showDeleted=true", headers=auth)[1]["deleteTime"]
        clock.advance(timedelta(days=30))
        assert keys.held() == []  # purged after 30 days
        assert call("GET", base, headers=auth)[0] == 401  # the metadata token has expired meanwhile
        token = call("GET", metadata.url + MetadataStandIn.PATH, headers={"Metadata-Flavor": "Google"})[1]
        auth = {"Authorization": f"Bearer {token['access_token']}"}
        assert call("POST", f"{base}?keyId=k-2", {}, auth)[0] == 200
        gemini = call("GET", f"{base}/k-3/keyString", headers=auth)[1]["keyString"]
        assert call("GET", f"{keys.url}/v1beta/models", headers={"x-goog-api-key": gemini})[0] == 200
        assert call("GET", f"{keys.url}/v1beta/models", headers={"x-goog-api-key": "AIza-unknown"})[0] == 400
        assert keys.errors == []


def test_key_vault_challenge_expiry_and_paging(clock: SimClock, identity: IdentityStandIn, keyvault: KeyVaultStandIn) -> None:
    status, _, headers = call("GET", f"{keyvault.url}/secrets/k1?api-version=7.4")
    assert status == 401
    assert "resource=" in headers["WWW-Authenticate"]
    status, token, _ = call(
        "GET",
        f"{identity.endpoint}?resource=https://vault.azure.net&api-version=2019-08-01",
        headers={"X-IDENTITY-HEADER": identity.header},
    )
    assert status == 200
    assert call("GET", f"{identity.endpoint}?resource=https://vault.azure.net&api-version=2019-08-01")[0] == 401
    auth = {"Authorization": f"Bearer {token['access_token']}"}
    for n in range(30):
        assert (
            call("PUT", f"{keyvault.url}/secrets/k1?api-version=7.4", {"value": f"v{n}", "tags": {"n": str(n)}}, auth)[0] == 200
        )
    seen, url = 0, f"{keyvault.url}/secrets/k1/versions?api-version=7.4"
    while url:
        page = call("GET", url, headers=auth)[1]
        assert all("value" not in item for item in page["value"])
        seen += len(page["value"])
        url = page["nextLink"]
    assert seen == 30
    too_many = {f"t{n}": "x" for n in range(16)}
    assert call("PUT", f"{keyvault.url}/secrets/k1?api-version=7.4", {"value": "v", "tags": too_many}, auth)[0] == 400
    keyvault.set_secret("k2", "old", exp=clock() + 60)
    assert call("GET", f"{keyvault.url}/secrets/k2?api-version=7.4", headers=auth)[1]["value"] == "old"
    clock.advance(61)
    status, body, _ = call("GET", f"{keyvault.url}/secrets/k2?api-version=7.4", headers=auth)
    assert (status, body["error"]["innererror"]["code"]) == (403, "SecretExpired")
    arm_token = call(
        "GET",
        f"{identity.endpoint}?resource=https://management.azure.com&api-version=2019-08-01",
        headers={"X-IDENTITY-HEADER": identity.header},
    )[1]["access_token"]
    assert call("GET", f"{keyvault.url}/secrets/k1?api-version=7.4", headers={"Authorization": f"Bearer {arm_token}"})[0] == 401


def test_ai_services_regenerate_revokes_the_slot(ai_services: AzureAiServicesStandIn, identity: IdentityStandIn) -> None:
    token = call(
        "GET",
        f"{identity.endpoint}?resource=https://management.azure.com&api-version=2019-08-01",
        headers={"X-IDENTITY-HEADER": identity.header},
    )[1]["access_token"]
    auth = {"Authorization": f"Bearer {token}"}
    account = ai_services.url + ai_services.account_id
    keys = call("POST", f"{account}/listKeys?api-version=2025-06-01", None, auth)[1]
    assert call("POST", f"{account}/listKeys?api-version=1999-01-01", None, auth)[0] == 400
    assert call("POST", f"{account}/regenerateKey?api-version=2025-06-01", {"keyName": "key3"}, auth)[0] == 400
    fresh = call("POST", f"{account}/regenerateKey?api-version=2025-06-01", {"keyName": "Key2"}, auth)[1]
    assert fresh["key1"] == keys["key1"]
    assert fresh["key2"] != keys["key2"]
    assert not ai_services.keys.is_live(keys["key2"])
    client = openai.OpenAI(api_key=fresh["key2"], base_url=ai_services.url + "/v1", max_retries=0)
    assert client.models.list().data == []
    assert call("GET", ai_services.url + "/v1/models", headers={"api-key": keys["key2"]})[0] == 401
    assert ai_services.keys.max_live == 2


def test_apim_regenerate_revokes_the_key_and_the_gateway_takes_its_own_header_only(
    apim: AzureApiManagementStandIn, identity: IdentityStandIn
) -> None:
    token = call(
        "GET",
        f"{identity.endpoint}?resource=https://management.azure.com&api-version=2019-08-01",
        headers={"X-IDENTITY-HEADER": identity.header},
    )[1]["access_token"]
    auth = {"Authorization": f"Bearer {token}"}
    subscription = apim.url + apim.subscription_id
    keys = call("POST", f"{subscription}/listSecrets?api-version=2024-05-01", None, auth)[1]
    assert set(keys) == {"primaryKey", "secondaryKey"}
    assert call("POST", f"{subscription}/listSecrets?api-version=1999-01-01", None, auth)[0] == 400
    assert call("POST", f"{subscription}/listSecrets?api-version=2024-05-01")[0] == 401  # no token
    assert call("POST", f"{subscription}/regenerateTertiaryKey?api-version=2024-05-01", None, auth)[0] == 404
    assert call("POST", f"{subscription}/regenerateSecondaryKey?api-version=2024-05-01", None, auth)[:2] == (204, None)
    fresh = call("POST", f"{subscription}/listSecrets?api-version=2024-05-01", None, auth)[1]
    assert fresh["primaryKey"] == keys["primaryKey"]
    assert fresh["secondaryKey"] != keys["secondaryKey"]
    assert not apim.keys.is_live(keys["secondaryKey"])
    assert (apim.keys.live_count, apim.keys.max_live) == (2, 2)
    # The gateway: the subscription key header or query parameter, nothing else.
    new = fresh["secondaryKey"]
    assert call("GET", apim.url + "/echo", headers={"Ocp-Apim-Subscription-Key": new})[0] == 200
    assert call("GET", apim.url + f"/echo?subscription-key={new}")[0] == 200
    assert call("GET", apim.url + "/v1/models", headers={"Ocp-Apim-Subscription-Key": new})[0] == 200
    status, body, _ = call("GET", apim.url + "/v1/models", headers={"Ocp-Apim-Subscription-Key": keys["secondaryKey"]})
    assert (status, body) == (401, AzureApiManagementStandIn.REFUSAL)
    for header in ("Authorization", "api-key", "x-api-key"):
        value = f"Bearer {new}" if header == "Authorization" else new
        assert call("GET", apim.url + "/v1/models", headers={header: value})[0] == 401, header
    client = openai.OpenAI(
        api_key="unused", base_url=apim.url + "/v1", max_retries=0, default_headers={"Ocp-Apim-Subscription-Key": new}
    )
    assert client.models.list().data == []


def test_gateway_accepts_a_key_only_after_the_delay(aws: Any, gateway: Gateway, clock: SimClock) -> None:
    key = aws.apigateway.create_api_key(name="aikeys-test-manual", enabled=True)
    aws.apigateway.create_usage_plan_key(usagePlanId=gateway.usage_plan_id, keyId=key["id"], keyType="API_KEY")
    assert call("GET", gateway.probe_url, headers={"x-api-key": key["value"]})[0] == 403
    clock.advance(59)
    assert call("GET", gateway.probe_url, headers={"x-api-key": key["value"]})[0] == 403
    clock.advance(1)
    assert call("GET", gateway.probe_url, headers={"x-api-key": key["value"]})[0] == 200
    assert openai.OpenAI(api_key=key["value"], base_url=gateway.data_plane.url + "/v1").models.list().data == []
    aws.apigateway.delete_api_key(apiKey=key["id"])
    assert call("GET", gateway.probe_url, headers={"x-api-key": key["value"]})[0] == 403
    assert gateway.data_plane.keys.live_count == 0
    assert gateway.data_plane.refused_inactive == 2


def test_faults_are_injected_on_request(openai_api: OpenAIStandIn) -> None:
    openai_api.faults.fail_next(2, 429, retry_after=4, match="GET /v1/models")
    openai_api.faults.fail_next(1, 500)
    status, _, headers = call("GET", openai_api.url + "/v1/models")
    assert (status, headers.get("Retry-After")) == (429, "4")
    assert call("GET", openai_api.url + "/v1/models")[0] == 429
    assert call("POST", openai_api.url + "/v1/chat/completions", {})[0] == 500
    assert call("GET", openai_api.url + "/v1/models")[0] == 401  # faults used up: the real answer
    assert openai_api.faults.injected == 3
    assert openai_api.faults.pending == 0
    assert openai_api.errors == []
