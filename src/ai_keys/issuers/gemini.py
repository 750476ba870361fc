"""The ``gemini`` issuer: a Google API key for the Gemini API (Generative Language API), restricted to that API
and bound to a service account (Google's "auth key": unrestricted standard keys stop working in 2026).

The service account is one you give, or one created here with no roles at all: a bound key needs none to call
the Gemini API. Extra restrictions (allowed IPs, referrers, Android or iOS apps) are optional; Google allows one
kind of application restriction per key.

With ``rotation`` (kept in ``gcp-secret-manager``) Pulumi makes no key and no service account: the rotator makes each
key, the first one included, restricted to the API targets (``AIKEYS_API_TARGETS``). Google's API keys have no finer
grant than the project: the rotator's service account holds ``roles/serviceusage.apiKeysAdmin`` on the key's
project, which lets it manage every API key there (it lists and deletes only keys whose id starts with its own
prefix, ``AIKEYS_KEY_PREFIX``, but IAM does not enforce that). Deleted keys are soft-deleted: Google keeps them 30
days, restorable with ``gcloud services api-keys undelete``.
"""

import functools
import ipaddress
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Callable, Optional

import pulumi

from ..errors import SecureApiKeyError
from ..rotation import PLACEHOLDER, RotatorNeeds
from ..rules import RotationSpec
from ..rules import _checks as check
from ..rules.deploy_time import at_deploy
from . import IssuedKey, ManagedRotation
from ._google_api_keys import (
    DELETION_POLICY,
    KEY_NAME_MAX,
    PROJECT_PATTERN,
    issued_moment,
    mock_api_key,
    stack_scope,
    unique_name,
)

EXTRA, SDK = "gcp", "pulumi_gcp"
ROTATION = ManagedRotation(stores=("gcp-secret-manager",))
"""The rotator runs as a Cloud Run function beside a Secret Manager secret, in Google Cloud."""
API_KEYS_ADMIN = "roles/serviceusage.apiKeysAdmin"
"""The narrowest predefined role that creates, reads and deletes API keys: project-wide, as every API Keys grant."""
GEMINI_API = "generativelanguage.googleapis.com"
FIELDS = (
    "project",
    "service_account_email",
    "display_name",
    "allowed_ips",
    "allowed_referrers",
    "android_apps",
    "ios_bundle_ids",
)
_SA_EMAIL = re.compile(r"[a-z][a-z0-9-]{4,28}[a-z0-9]@(?P<project>[a-z][a-z0-9-]{4,28}[a-z0-9])\.iam\.gserviceaccount\.com")
SA_EMAIL_RULE = "a service account email, NAME@PROJECT.iam.gserviceaccount.com"
SAME_PROJECT_RULE = "a service account of the key's own project (a key can only be bound to one of them)"
# Google takes a fingerprint with or without the colons (API Keys v2, AndroidApplication.sha1_fingerprint).
_SHA1 = r"([0-9A-Fa-f]{2}:){19}[0-9A-Fa-f]{2}|[0-9A-Fa-f]{40}"
SHA1_RULE = "a SHA-1 certificate fingerprint: 20 hex pairs, AA:BB:...:TT or AABB...TT"
# Android's applicationId: two or more segments, each a letter then letters, digits or '_'.
_ANDROID_PACKAGE = r"[a-zA-Z][a-zA-Z0-9_]*(\.[a-zA-Z][a-zA-Z0-9_]*)+"
ANDROID_PACKAGE_RULE = (
    "an Android package name: two or more '.'-separated segments of letters, digits and '_', each starting with a letter"
)
# Apple's bundle ID: only A-Z, a-z, 0-9, '-' and '.', in reverse-DNS form (so no empty segment).
_IOS_BUNDLE_ID = r"[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*"
IOS_BUNDLE_ID_RULE = "an iOS bundle id: letters, digits, '-' and '.' only, in reverse-DNS form such as com.example.my-app"
# What may reach ipaddress: digits, hex and ':' or '.', and a prefix length in digits (no netmask, no IPv6 zone).
_IP_SHAPE = r"[0-9A-Fa-f:.]+(/\d{1,3})?"
IP_RULE = "an IPv4 or IPv6 address or CIDR range, e.g. 203.0.113.7, 203.0.113.0/24 or 2001:db8::/32"
ACCOUNT_ID_MAX = 30


@dataclass(frozen=True)
class AndroidApp:
    """An Android app allowed to use the key."""

    package_name: str
    sha1_fingerprint: str


@dataclass(frozen=True)
class GeminiOptions:
    """A validated ``issuer.gemini`` block."""

    project: Any
    service_account_email: Optional[Any]
    display_name: Optional[str]
    allowed_ips: tuple[str, ...]
    allowed_referrers: tuple[str, ...]
    android_apps: tuple[AndroidApp, ...]
    ios_bundle_ids: tuple[str, ...]


def validate(block: Mapping[str, Any], path: str) -> GeminiOptions:
    """Check ``issuer.gemini``; every refusal names the field path."""
    check.known_keys(path, block, FIELDS)
    if block.get("project") is None:
        raise SecureApiKeyError(f"{path}.project", "is required", "the id of the project the key is made in")
    project = check.input_str(
        f"{path}.project", block["project"], pattern=PROJECT_PATTERN, max_len=30, allowed="a GCP project id"
    )
    email = block.get("service_account_email")
    if email is not None:
        email = _bound_account(path, project, email)
    display_name = block.get("display_name")
    if display_name is not None:
        check.text(f"{path}.display_name", display_name, max_len=63)
    ips = tuple(
        _allowed_ip(f"{path}.allowed_ips[{i}]", ip)
        for i, ip in enumerate(check.sequence(f"{path}.allowed_ips", block.get("allowed_ips") or [], max_items=50))
    )
    referrers = tuple(
        check.text(
            f"{path}.allowed_referrers[{i}]", ref, max_len=255, allowed="a referrer pattern such as https://app.example.com/*"
        )
        for i, ref in enumerate(check.sequence(f"{path}.allowed_referrers", block.get("allowed_referrers") or [], max_items=50))
    )
    android = tuple(
        _android(f"{path}.android_apps[{i}]", app)
        for i, app in enumerate(check.sequence(f"{path}.android_apps", block.get("android_apps") or [], max_items=50))
    )
    ios = tuple(
        check.text(f"{path}.ios_bundle_ids[{i}]", bundle, pattern=_IOS_BUNDLE_ID, max_len=155, allowed=IOS_BUNDLE_ID_RULE)
        for i, bundle in enumerate(check.sequence(f"{path}.ios_bundle_ids", block.get("ios_bundle_ids") or [], max_items=50))
    )
    kinds = [
        k
        for k, v in (("allowed_ips", ips), ("allowed_referrers", referrers), ("android_apps", android), ("ios_bundle_ids", ios))
        if v
    ]
    if len(kinds) > 1:
        raise SecureApiKeyError(
            f"{path}.{kinds[1]}",
            f"cannot be combined with {path}.{kinds[0]}: Google allows one kind of application restriction per key",
            "one of allowed_ips, allowed_referrers, android_apps or ios_bundle_ids (or one key per kind)",
        )
    return GeminiOptions(project, email, display_name, ips, referrers, android, ios)


def check_with_rotation(options: GeminiOptions, rotation: Optional[RotationSpec]) -> None:
    """The rotator makes each key restricted to the API, and no more: a binding or an application restriction is
    refused with a managed rotation rather than left off the rotated keys."""
    if rotation is None or not rotation.managed:
        return
    for field_name in ("service_account_email", "allowed_ips", "allowed_referrers", "android_apps", "ios_bundle_ids"):
        if getattr(options, field_name):
            raise SecureApiKeyError(
                f"issuer.gemini.{field_name}",
                "cannot be combined with rotation: the rotator makes each key restricted to the Gemini API, bound to no "
                "service account and with no application restriction",
                "leave it out with rotation, or leave rotation out",
            )


def _bound_account(path: str, project: Any, email: Any) -> Any:
    """The service account's email, of the key's own project: checked now when both are known, else once both
    resolve (the email the key is bound to waits for that check)."""
    email = check.input_str(f"{path}.service_account_email", email, pattern=_SA_EMAIL.pattern, max_len=100, allowed=SA_EMAIL_RULE)
    if isinstance(email, str) and isinstance(project, str):
        return _of_project(path, [project, email])
    return at_deploy(pulumi.Output.all(project, email), functools.partial(_of_project, path))


def _of_project(path: str, project_and_email: Sequence[Any]) -> str:
    project, email = str(project_and_email[0]), str(project_and_email[1])
    match = _SA_EMAIL.fullmatch(email)
    if match is not None and match.group("project") != project:
        raise SecureApiKeyError(
            f"{path}.service_account_email",
            f"is a service account of project {match.group('project')}, but the key is made in {project}",
            SAME_PROJECT_RULE,
        )
    return email


def _allowed_ip(path: str, raw: Any) -> str:
    """One caller address or range, as ``ipaddress`` reads it; a range that admits every address is refused, as
    the key would then work from anywhere while looking restricted."""
    text = check.text(path, raw, max_len=43, allowed=IP_RULE)
    network = _network(text, strict=True)
    if network is None:
        loose = _network(text, strict=False)
        problem = f"has host bits set: the range is {loose}" if loose else "is not an IP address or CIDR range"
        raise SecureApiKeyError(path, f"{problem} (got {check.shown(text)})", IP_RULE)
    if network.prefixlen == 0:
        raise SecureApiKeyError(
            path,
            f"admits every IPv{network.version} address, so the key would work from anywhere while looking restricted",
            "the addresses or ranges of the servers that call the Gemini API (narrower than /0)",
        )
    return text


def _network(text: str, *, strict: bool) -> "Optional[ipaddress.IPv4Network | ipaddress.IPv6Network]":
    if re.fullmatch(_IP_SHAPE, text) is None:
        return None
    try:
        return ipaddress.ip_network(text, strict=strict)
    except ValueError:
        return None


def _android(path: str, raw: Any) -> AndroidApp:
    app = check.mapping(path, raw)
    check.known_keys(path, app, ("package_name", "sha1_fingerprint"))
    return AndroidApp(
        package_name=check.text(
            f"{path}.package_name", app.get("package_name"), pattern=_ANDROID_PACKAGE, max_len=255, allowed=ANDROID_PACKAGE_RULE
        ),
        sha1_fingerprint=check.text(
            f"{path}.sha1_fingerprint", app.get("sha1_fingerprint"), pattern=_SHA1, max_len=59, allowed=SHA1_RULE
        ),
    )


def _unique_name(component: str, scope: str, issued: str, max_len: int) -> str:
    return unique_name(component, scope, issued, max_len, "gemini")


def key_name(component: str, scope: str, issued_at: str) -> str:
    """The API key's id: ``[a-z]([a-z0-9-]*[a-z0-9])?``, at most 63, unique per stack and per issue."""
    return _unique_name(component, scope, issued_at, KEY_NAME_MAX)


def account_id(component: str, scope: str, issued_at: str) -> str:
    """A service account id (6-30 of ``[a-z0-9-]``, starting with a letter), unique per stack and per issue."""
    return _unique_name(component, "service-account\x00" + scope, issued_at, ACCOUNT_ID_MAX)


def issue(
    name: str,
    options: GeminiOptions,
    tags: Mapping[str, str],
    parent: pulumi.Resource,
    depends_on: Sequence[pulumi.Resource] = (),
    rotation: Optional[RotationSpec] = None,
) -> IssuedKey:
    """The service account (unless given) and the restricted, bound API key; with a managed ``rotation``, neither:
    what the rotator needs to make the keys (the first one included), and the issue's timestamp its prefix is
    derived from."""
    import pulumi_gcp as gcp

    scope = stack_scope()
    # A new issue (another project or service account) gets a new timestamp, hence new names.
    issued = issued_moment(
        name,
        "gemini-issued",
        {"project": options.project, "service_account_email": options.service_account_email or ""},
        parent,
    )
    if rotation is not None and rotation.managed:
        prefix = issued.apply(lambda at: key_prefix(name, scope, at))
        return IssuedKey(
            value=pulumi.Output.secret(PLACEHOLDER),
            # The rotator makes every key in this project, named with this prefix: together they say which keys.
            issued_key_id=pulumi.Output.concat("projects/", options.project, "/locations/global/keys/", prefix, "*"),
            rotator=rotator_needs(options.project, prefix),
        )
    email: Any = options.service_account_email
    if email is None:
        email = gcp.serviceaccount.Account(
            f"{name}-gemini-caller",
            account_id=issued.apply(lambda at: account_id(name, scope, at)),
            project=options.project,
            display_name=f"Calls the Gemini API with the {name} key",
            description="Bound to one Gemini API key; holds no roles.",
            opts=pulumi.ResourceOptions(parent=parent),
        ).email
    restrictions = gcp.projects.ApiKeyRestrictionsArgs(
        api_targets=[gcp.projects.ApiKeyRestrictionsApiTargetArgs(service=GEMINI_API)],
        server_key_restrictions=gcp.projects.ApiKeyRestrictionsServerKeyRestrictionsArgs(allowed_ips=list(options.allowed_ips))
        if options.allowed_ips
        else None,
        browser_key_restrictions=gcp.projects.ApiKeyRestrictionsBrowserKeyRestrictionsArgs(
            allowed_referrers=list(options.allowed_referrers)
        )
        if options.allowed_referrers
        else None,
        android_key_restrictions=gcp.projects.ApiKeyRestrictionsAndroidKeyRestrictionsArgs(
            allowed_applications=[
                gcp.projects.ApiKeyRestrictionsAndroidKeyRestrictionsAllowedApplicationArgs(
                    package_name=app.package_name, sha1_fingerprint=app.sha1_fingerprint
                )
                for app in options.android_apps
            ]
        )
        if options.android_apps
        else None,
        ios_key_restrictions=gcp.projects.ApiKeyRestrictionsIosKeyRestrictionsArgs(
            allowed_bundle_ids=list(options.ios_bundle_ids)
        )
        if options.ios_bundle_ids
        else None,
    )
    key = gcp.projects.ApiKey(
        f"{name}-gemini-key",
        name=issued.apply(lambda at: key_name(name, scope, at)),
        project=options.project,
        display_name=options.display_name or f"Gemini key {name}"[:63],
        restrictions=restrictions,
        service_account_email=email,
        deletion_policy=DELETION_POLICY,
        # keyString is marked secret by the SDK, and the value is wrapped again below so no path un-marks it.
        opts=pulumi.ResourceOptions(parent=parent),
    )
    return IssuedKey(value=pulumi.Output.secret(key.key_string), issued_key_id=key.id)


KEY_PREFIX_LEN = KEY_NAME_MAX - 20
"""The rotator's key ids are the prefix, ``-`` and up to 19 characters of its own."""


def key_prefix(component: str, scope: str, issued_at: str) -> str:
    """The id prefix of every key the rotator makes (``AIKEYS_KEY_PREFIX``): unique per stack and per issue, so the
    rotator lists and deletes its own keys only, and at most :data:`KEY_PREFIX_LEN` long."""
    return _unique_name(component, "rotator\x00" + scope, issued_at, KEY_PREFIX_LEN)


def rotator_needs(project: Any, prefix: Any) -> RotatorNeeds:
    """The rotator's settings and grant: the API keys of the key's project (Google has no finer grant)."""
    return RotatorNeeds(
        issuer="gemini",
        env={"AIKEYS_PROJECT": project, "AIKEYS_API_TARGETS": GEMINI_API, "AIKEYS_KEY_PREFIX": prefix},
        gcp_project_roles=[(project, API_KEYS_ADMIN)],
    )


MOCK_OUTPUTS: Mapping[str, Callable[[str, dict[str, Any]], tuple[str, dict[str, Any]]]] = {
    "gcp:projects/apiKey:ApiKey": mock_api_key,
}
MOCK_CALLS: Mapping[str, Callable[[dict[str, Any]], dict[str, Any]]] = {}
