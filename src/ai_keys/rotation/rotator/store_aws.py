"""AWS Secrets Manager: the secret's versions and their staging labels.

AWSCURRENT is the key readers get, AWSPREVIOUS the one before, AWSPENDING a rotation's new key until it is tested.
Each version holding a key also carries the custom label ``ai-keys:key:<key id>``, removed once the version is
neither current, previous nor pending (its key was revoked at the start of that rotation), or when its key is revoked
as left over: Secrets Manager never deprecates a labelled version, and it removes unlabelled versions only past 100 (and none
younger than 24 hours) -- "Secrets Manager removes unlabeled versions when there are more than 100, but it does not
remove versions created less than 24 hours ago" (docs.aws.amazon.com/secretsmanager/latest/userguide/
reference_limits.html). A version keeps at most 20 labels (``SecretVersionStagesType`` max 20, botocore model).

Calls (botocore/data/secretsmanager/2017-10-17/service-2.json): ``DescribeSecret`` -> ``VersionIdsToStages``;
``GetSecretValue(VersionId?, VersionStage?)`` -> ``{VersionId, SecretString, VersionStages, CreatedDate}``;
``PutSecretValue(ClientRequestToken, SecretString, VersionStages, RotationToken?)``;
``UpdateSecretVersionStage(VersionStage, MoveToVersionId?, RemoveFromVersionId?)`` (moving AWSCURRENT moves
AWSPREVIOUS to the version it left).
"""

import uuid
from datetime import datetime, timezone
from typing import Any, Optional

from . import aws_clients, logsafe
from .engine import Version
from .settings import Settings

__all__ = ["KEY_LABEL", "AwsStore", "TokenError"]

KEY_LABEL = "ai-keys:key:"
CURRENT, PREVIOUS, PENDING = "AWSCURRENT", "AWSPREVIOUS", "AWSPENDING"
_MISSING = frozenset({"ResourceNotFoundException"})


class TokenError(ValueError):
    """The rotation's token names no version fit for the step (Secrets Manager did not start this rotation)."""


def _aware(value: Any) -> Optional[datetime]:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=timezone.utc)
    return None


def _key_id(stages: Any) -> Optional[str]:
    for stage in stages or ():
        if isinstance(stage, str) and stage.startswith(KEY_LABEL):
            return stage[len(KEY_LABEL) :]
    return None


class AwsStore:
    """One secret's versions. ``rotation_token`` (from the rotation event) is passed to every ``PutSecretValue``."""

    def __init__(self, secret_id: str, client: Any, rotation_token: Optional[str] = None) -> None:
        self.secret_id = secret_id
        self._client = client
        self._rotation_token = rotation_token

    @classmethod
    def from_settings(cls, settings: Settings, rotation_token: Optional[str] = None) -> "AwsStore":
        """The store for ``AIKEYS_SECRET``."""
        return cls(settings.secret, aws_clients.client("secretsmanager", settings), rotation_token)

    @property
    def ref(self) -> str:
        """The secret's ARN."""
        return self.secret_id

    def _get(self, **kwargs: Any) -> Optional[Version]:
        try:
            answer = self._client.get_secret_value(SecretId=self.secret_id, **kwargs)
        except Exception as error:
            if aws_clients.error_code(error) in _MISSING:
                return None
            raise
        value = answer.get("SecretString")
        if value is not None:
            logsafe.hide(value)
        return Version(str(answer["VersionId"]), value, _key_id(answer.get("VersionStages")), _aware(answer.get("CreatedDate")))

    def stages(self) -> dict[str, list[str]]:
        """Every version's labels (``DescribeSecret``'s ``VersionIdsToStages``)."""
        answer = self._client.describe_secret(SecretId=self.secret_id)
        return {str(k): list(v) for k, v in (answer.get("VersionIdsToStages") or {}).items()}

    def current(self) -> Optional[Version]:
        """The AWSCURRENT version."""
        return self._get(VersionStage=CURRENT)

    def previous(self) -> Optional[Version]:
        """The AWSPREVIOUS version, if any."""
        return self._get(VersionStage=PREVIOUS)

    def check_token(self, token: str) -> str:
        """``"current"`` or ``"pending"``: where this rotation's version stands; :class:`TokenError` otherwise.

        As AWS's rotation template does: the token must name a version, which must be AWSCURRENT (done already) or
        AWSPENDING.
        """
        stages = self.stages().get(token)
        if stages is None:
            raise TokenError(f"secret has no version {token}: Secrets Manager did not start this rotation")
        if CURRENT in stages:
            return "current"
        if PENDING not in stages:
            raise TokenError(f"version {token} is not AWSPENDING")
        return "pending"

    def pending(self, token: str) -> Optional[Version]:
        """This rotation's AWSPENDING version, or ``None`` if it holds no value yet."""
        try:
            version = self._get(VersionId=token, VersionStage=PENDING)
        except Exception as error:
            # A version that exists without the label (moved on, or not yet labelled) holds no pending value.
            if aws_clients.error_code(error) == "InvalidRequestException":
                return None
            raise
        return version if version is not None and version.value is not None else None

    def write_pending(self, token: str, value: str, key_id: str) -> None:
        """Stage ``value`` as version ``token``, labelled AWSPENDING and with its key id."""
        kwargs: dict[str, Any] = {
            "SecretId": self.secret_id,
            "ClientRequestToken": token,
            "SecretString": value,
            "VersionStages": [PENDING, KEY_LABEL + key_id],
        }
        if self._rotation_token:
            kwargs["RotationToken"] = self._rotation_token
        self._client.put_secret_value(**kwargs)

    def promote(self, token: str) -> None:
        """Move AWSCURRENT to version ``token`` (if not there yet), then take AWSPENDING off it."""
        stages = self.stages()
        current = next((v for v, s in stages.items() if CURRENT in s), None)
        if current != token:
            kwargs: dict[str, Any] = {"SecretId": self.secret_id, "VersionStage": CURRENT, "MoveToVersionId": token}
            if current is not None:
                kwargs["RemoveFromVersionId"] = current
            self._client.update_secret_version_stage(**kwargs)
        if PENDING in stages.get(token, []):
            self._client.update_secret_version_stage(SecretId=self.secret_id, VersionStage=PENDING, RemoveFromVersionId=token)
        self.prune()

    def abandon(self, token: str) -> None:
        """Take AWSPENDING off version ``token``, which holds no value: the rotation ends without a new key.

        Secrets Manager refuses a new rotation while AWSPENDING is on a version other than AWSCURRENT.
        """
        if PENDING in self.stages().get(token, []):
            self._client.update_secret_version_stage(SecretId=self.secret_id, VersionStage=PENDING, RemoveFromVersionId=token)

    def prune(self) -> list[str]:
        """Take the key labels off every version that is neither current, previous nor pending; returns them.

        The previous key was revoked at the start of this rotation; its version has just lost AWSPREVIOUS.
        """
        removed: list[str] = []
        for version, stages in self.stages().items():
            if {CURRENT, PREVIOUS, PENDING} & set(stages):
                continue
            for label in (s for s in stages if s.startswith(KEY_LABEL)):
                self._client.update_secret_version_stage(SecretId=self.secret_id, VersionStage=label, RemoveFromVersionId=version)
                removed.append(label)
        return removed

    def write_current(self, value: str, key_id: Optional[str]) -> None:
        """Stage and promote in one go (a rotation outside Secrets Manager's own steps)."""
        token = str(uuid.uuid4())
        if key_id is None:
            self._client.put_secret_value(SecretId=self.secret_id, ClientRequestToken=token, SecretString=value)
            return
        self.write_pending(token, value, key_id)
        self.promote(token)

    def forget(self, key_id: str) -> None:
        """Take the key's label off every version carrying it, so that version can be pruned."""
        label = KEY_LABEL + key_id
        for version, stages in self.stages().items():
            if label in stages:
                self._client.update_secret_version_stage(SecretId=self.secret_id, VersionStage=label, RemoveFromVersionId=version)

    def read_secret(self, ref: str) -> str:
        """Another secret's current value (the admin key's secret)."""
        value = str(self._client.get_secret_value(SecretId=ref)["SecretString"])
        logsafe.hide(value)
        return value

    def __repr__(self) -> str:
        return f"AwsStore({self.secret_id!r})"
