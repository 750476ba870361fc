"""Amazon Bedrock API keys: IAM service-specific credentials of one IAM user for ``bedrock.amazonaws.com``.

IAM allows two such credentials per user and service, the two live keys. A rotation creates the second one; the
one before is deactivated, then deleted. Never ``ResetServiceSpecificCredential``: it changes the secret in place,
with no overlap.

Each credential is made with ``CredentialAgeDays`` from ``AIKEYS_CREDENTIAL_AGE_DAYS`` (the deploy sets two periods
and 30 days, or the key's ``expires_in_days``), so a key the rotator can no longer revoke still dies on its own.

Field names, from botocore's IAM model (botocore/data/iam/2010-05-08/service-2.json):
``CreateServiceSpecificCredential(UserName, ServiceName, CredentialAgeDays?)`` (1 to 36,600 days) answers
``ServiceSpecificCredential{ServiceSpecificCredentialId, ServiceCredentialSecret ("the secret portion of the
credential that should be used to authenticate API calls ... returned only when the credential is created"),
CreateDate, Status}``; ``ListServiceSpecificCredentials(UserName, ServiceName)`` answers
``ServiceSpecificCredentials[{ServiceSpecificCredentialId, Status (Active | Inactive | Expired), CreateDate}]``;
``UpdateServiceSpecificCredential(UserName, ServiceSpecificCredentialId, Status)``;
``DeleteServiceSpecificCredential(UserName, ServiceSpecificCredentialId)``. Errors: ``LimitExceeded`` (409) past two,
``NoSuchEntity`` (404).
"""

import time
from collections.abc import Sequence
from datetime import datetime, timezone
from typing import Any, Callable, Optional

from . import aws_clients
from .engine import LiveKey, Minted, RotationInProgress
from .settings import Settings

__all__ = ["SERVICE", "BedrockVendor"]

SERVICE = "bedrock.amazonaws.com"


def _aware(value: Any) -> Optional[datetime]:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=timezone.utc)
    return None


class BedrockVendor:
    """The credentials of one IAM user: two at most; revoking deactivates, then deletes. Each lives
    ``credential_age_days`` (``None``: no expiry)."""

    slots = False
    identifies = False

    def __init__(
        self,
        user: str,
        iam: Any,
        iam_once: Any,
        sleep: Callable[[float], None] = time.sleep,
        credential_age_days: Optional[int] = None,
    ) -> None:
        self.user = user
        self.credential_age_days = credential_age_days
        self._iam = iam
        self._iam_once = iam_once
        self._sleep = sleep

    @classmethod
    def from_settings(cls, settings: Settings, sleep: Callable[[float], None] = time.sleep) -> "BedrockVendor":
        """The vendor for ``AIKEYS_IAM_USER``."""
        assert settings.iam_user is not None
        iam, once = aws_clients.client("iam", settings), aws_clients.client_once("iam", settings)
        return cls(settings.iam_user, iam, once, sleep, settings.credential_age_days)

    def _credentials(self) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = []
        marker: Optional[str] = None
        while True:
            kwargs: dict[str, Any] = {"UserName": self.user, "ServiceName": SERVICE}
            if marker:
                kwargs["Marker"] = marker
            page = self._iam.list_service_specific_credentials(**kwargs)
            found.extend(page.get("ServiceSpecificCredentials", []))
            marker = page.get("Marker") if page.get("IsTruncated") else None
            if not marker:
                return found

    def live_keys(self) -> Sequence[LiveKey]:
        """The user's active Bedrock credentials (an inactive one no longer authenticates)."""
        return [
            LiveKey(str(c["ServiceSpecificCredentialId"]), _aware(c.get("CreateDate")))
            for c in self._credentials()
            if c.get("Status") == "Active"
        ]

    def identify(self, value: str) -> Optional[str]:
        """``None``: IAM never shows a credential's secret again (the AWS store's version label names the key)."""
        return None

    def mint(self, current_key_id: Optional[str]) -> Minted:
        """Create a credential (sent once: IAM's limit of two also stops a concurrent run's second one), living
        ``credential_age_days``."""
        kwargs: dict[str, Any] = {"UserName": self.user, "ServiceName": SERVICE}
        if self.credential_age_days is not None:
            kwargs["CredentialAgeDays"] = self.credential_age_days
        try:
            answer = aws_clients.create_once(self._iam_once.create_service_specific_credential, self._sleep, **kwargs)
        except Exception as error:
            if aws_clients.error_code(error) == "LimitExceeded":
                raise RotationInProgress("the IAM user holds two Bedrock credentials already") from None
            raise
        credential = answer["ServiceSpecificCredential"]
        return Minted(str(credential["ServiceSpecificCredentialId"]), str(credential["ServiceCredentialSecret"]))

    def revoke(self, key_id: str) -> None:
        """Deactivate, then delete (a credential already gone is fine)."""
        for call, extra in (
            (self._iam.update_service_specific_credential, {"Status": "Inactive"}),
            (self._iam.delete_service_specific_credential, {}),
        ):
            try:
                call(UserName=self.user, ServiceSpecificCredentialId=key_id, **extra)
            except Exception as error:
                if aws_clients.error_code(error) != "NoSuchEntity":
                    raise
                return

    def probe(self, value: str) -> bool:
        """``True``: IAM credentials work once created (no probe URL for Bedrock)."""
        return True

    def __repr__(self) -> str:
        return f"BedrockVendor(user={self.user!r}, credential_age_days={self.credential_age_days!r})"
