"""The Gemini issuer's fields, each by the rule of whoever defines it: caller addresses as the standard library's
``ipaddress`` reads them (and never every address), iOS bundle ids by Apple's rule, Android apps by Android's and
Google's, and the bound service account of the key's own project, checked when both are known and, when either is an
Output, once both resolve, before the key is made."""

from typing import Any

import pytest

from ai_keys import DeployTimeError, SecureApiKey, SecureApiKeyError
from ai_keys.testing import MockEngine, mock_pulumi

from .scenarios import Out, with_outputs

PROJECT = "my-project-123"
OWN_ACCOUNT = f"caller@{PROJECT}.iam.gserviceaccount.com"
OTHER_ACCOUNT = "caller@other-project-1.iam.gserviceaccount.com"
API_KEY = "gcp:projects/apiKey:ApiKey"
SHA1 = "DA:39:A3:EE:5E:6B:4B:0D:32:55:BF:EF:95:60:18:90:AF:D8:07:09"


def key_args(**gemini: Any) -> dict[str, Any]:
    return {"backend": "aws-secrets-manager", "issuer": {"gemini": {"project": PROJECT, **gemini}}}


def deployed(**gemini: Any) -> MockEngine:
    with mock_pulumi() as engine:
        engine.run(lambda: SecureApiKey("ai", key_args(**gemini)))  # type: ignore[arg-type]
    return engine


def refused_now(**gemini: Any) -> SecureApiKeyError:
    with mock_pulumi() as engine, pytest.raises(SecureApiKeyError) as refused:
        engine.run(lambda: SecureApiKey("ai", key_args(**gemini)))  # type: ignore[arg-type]
    assert not isinstance(refused.value, DeployTimeError)
    assert engine.resources == []
    return refused.value


# ------------------------------------------------------------------------------------------ allowed_ips
def test_addresses_and_ranges_of_both_families_restrict_the_key_as_written() -> None:
    ips = ["203.0.113.7", "198.51.100.0/24", "2001:db8::1", "2001:DB8::/32", "::ffff:203.0.113.8"]
    restrictions = deployed(allowed_ips=ips).one(API_KEY).plain("restrictions")
    assert restrictions["serverKeyRestrictions"] == {"allowedIps": ips}


@pytest.mark.parametrize(
    ("ip", "problem"),
    [
        pytest.param("abc", "is not an IP address or CIDR range (got 'abc')", id="a word"),
        pytest.param("999.1.1.1", "is not an IP address or CIDR range (got '999.1.1.1')", id="octet over 255"),
        pytest.param("1.2.3.4/99", "is not an IP address or CIDR range (got '1.2.3.4/99')", id="prefix over 32"),
        pytest.param("2001:db8::/129", "is not an IP address or CIDR range", id="prefix over 128"),
        pytest.param("1.2.3.0/255.255.255.0", "is not an IP address or CIDR range", id="netmask instead of a prefix"),
        pytest.param("fe80::1%eth0", "is not an IP address or CIDR range", id="IPv6 zone"),
        pytest.param("01.2.3.4", "is not an IP address or CIDR range", id="leading zero"),
        pytest.param("10.0.0.5/8", "has host bits set: the range is 10.0.0.0/8 (got '10.0.0.5/8')", id="host bits"),
    ],
)
def test_what_is_not_an_address_or_range_is_refused_naming_it(ip: str, problem: str) -> None:
    refused = refused_now(allowed_ips=["203.0.113.7", ip])
    assert refused.field == "issuer.gemini.allowed_ips[1]"
    assert f"allowed_ips[1]: {problem}" in str(refused)
    assert refused.allowed.startswith("an IPv4 or IPv6 address or CIDR range")


@pytest.mark.parametrize(("ip", "family"), [("0.0.0.0/0", "IPv4"), ("::/0", "IPv6")])
def test_a_range_of_every_address_is_refused_as_no_restriction_at_all(ip: str, family: str) -> None:
    refused = refused_now(allowed_ips=[ip])
    assert refused.field == "issuer.gemini.allowed_ips[0]"
    assert f"admits every {family} address, so the key would work from anywhere" in str(refused)
    assert "narrower than /0" in refused.allowed


# ------------------------------------------------------------------------------------------ apps
def test_an_ios_bundle_id_with_a_hyphen_is_apples_and_restricts_the_key() -> None:
    bundles = ["com.example.my-app", "COM.Example.App2"]
    restrictions = deployed(ios_bundle_ids=bundles).one(API_KEY).plain("restrictions")
    assert restrictions["iosKeyRestrictions"] == {"allowedBundleIds": bundles}


@pytest.mark.parametrize("bundle", ["com.example_app", "com.example.app!", "com..app", ".com.example", "com.example."])
def test_an_ios_bundle_id_outside_apples_rule_is_refused_naming_the_rule(bundle: str) -> None:
    refused = refused_now(ios_bundle_ids=[bundle])
    assert refused.field == "issuer.gemini.ios_bundle_ids[0]"
    assert "letters, digits, '-' and '.' only" in refused.allowed


def test_an_android_fingerprint_may_be_written_without_colons_as_google_accepts() -> None:
    apps = [
        {"package_name": "com.example.app", "sha1_fingerprint": SHA1},
        {"package_name": "com.example.app_two", "sha1_fingerprint": SHA1.replace(":", "").lower()},
    ]
    restrictions = deployed(android_apps=apps).one(API_KEY).plain("restrictions")
    assert restrictions["androidKeyRestrictions"] == {
        "allowedApplications": [{"packageName": a["package_name"], "sha1Fingerprint": a["sha1_fingerprint"]} for a in apps]
    }


@pytest.mark.parametrize(
    ("app", "field"),
    [
        pytest.param({"package_name": "com.example.my-app", "sha1_fingerprint": SHA1}, "package_name", id="hyphen"),
        pytest.param({"package_name": "example", "sha1_fingerprint": SHA1}, "package_name", id="one segment"),
        pytest.param({"package_name": "com.1example", "sha1_fingerprint": SHA1}, "package_name", id="digit first"),
        pytest.param({"package_name": "com.example", "sha1_fingerprint": SHA1 + ":00"}, "sha1_fingerprint", id="21 pairs"),
        pytest.param({"package_name": "com.example", "sha1_fingerprint": "DA39A3EE"}, "sha1_fingerprint", id="short"),
    ],
)
def test_an_android_app_outside_androids_and_googles_rules_is_refused(app: dict[str, str], field: str) -> None:
    refused = refused_now(android_apps=[app])
    assert refused.field == f"issuer.gemini.android_apps[0].{field}"
    assert refused.allowed.startswith("an Android package name" if field == "package_name" else "a SHA-1 certificate")


# ------------------------------------------------------------------------------------------ the bound account
def refused_at_deploy(project: Any, email: Any) -> DeployTimeError:
    with mock_pulumi() as engine, pytest.raises(DeployTimeError) as refused:
        engine.run(lambda: SecureApiKey("ai", with_outputs(key_args(project=project, service_account_email=email))))
    assert engine.find(API_KEY) == []  # the key waited for the check
    assert engine.find("time:index/static:Static") == []
    return refused.value


@pytest.mark.parametrize(
    ("project", "email"),
    [
        pytest.param(Out(PROJECT), OTHER_ACCOUNT, id="project an Output"),
        pytest.param(PROJECT, Out(OTHER_ACCOUNT), id="email an Output"),
        pytest.param(Out(PROJECT), Out(OTHER_ACCOUNT), id="both Outputs"),
    ],
)
def test_an_account_of_another_project_is_refused_at_deploy_as_it_is_now(project: Any, email: Any) -> None:
    now = refused_now(service_account_email=OTHER_ACCOUNT)
    assert now.field == "issuer.gemini.service_account_email"
    later = refused_at_deploy(project, email)
    assert later.field == now.field
    assert str(later.error) == str(now)
    assert "is a service account of project other-project-1, but the key is made in my-project-123" in str(later)


@pytest.mark.parametrize(
    ("project", "email"),
    [
        pytest.param(Out(PROJECT), OWN_ACCOUNT, id="project an Output"),
        pytest.param(PROJECT, Out(OWN_ACCOUNT), id="email an Output"),
        pytest.param(Out(PROJECT), Out(OWN_ACCOUNT), id="both Outputs"),
    ],
)
def test_an_account_of_the_keys_own_project_is_bound_once_known(project: Any, email: Any) -> None:
    with mock_pulumi() as engine:
        engine.run(lambda: SecureApiKey("ai", with_outputs(key_args(project=project, service_account_email=email))))
    api_key = engine.one(API_KEY)
    assert api_key.plain("serviceAccountEmail") == OWN_ACCOUNT
    assert api_key.plain("project") == PROJECT
    assert engine.find("gcp:serviceaccount/account:Account") == []


def test_a_malformed_project_output_is_refused_by_the_project_rule_first() -> None:
    refused = refused_at_deploy(Out("My_Project"), OWN_ACCOUNT)
    assert refused.field == "issuer.gemini.project"
    assert "allowed: a GCP project id" in str(refused)
