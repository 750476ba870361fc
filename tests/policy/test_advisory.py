"""The advisory policies: customer-managed keys, rotation, public read access."""

from __future__ import annotations

import json

import pytest
from ai_keys_policy import secret_store_customer_managed_key, secret_store_no_public_read, secret_store_rotation
from pulumi_policy import EnforcementLevel, Secret
from pulumi_policy.proxy import UNKNOWN_OBJECT_VALUE, UNKNOWN_STRING_VALUE

AWS_SECRET = "aws:secretsmanager/secret:Secret"
AWS_ROTATION = "aws:secretsmanager/secretRotation:SecretRotation"
AWS_POLICY = "aws:secretsmanager/secretPolicy:SecretPolicy"
GCP_SECRET = "gcp:secretmanager/secret:Secret"
GCP_REGIONAL = "gcp:secretmanager/regionalSecret:RegionalSecret"
AZURE_SECRET = "azure-native:keyvault:Secret"
KMS_ARN = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
GCP_KEY = "projects/p/locations/global/keyRings/r/cryptoKeys/k"


@pytest.mark.parametrize("policy", [secret_store_customer_managed_key, secret_store_rotation, secret_store_no_public_read])
def test_advisory_metadata(policy):
    assert policy.enforcement_level is EnforcementLevel.ADVISORY
    assert policy.remediation_steps


class TestCustomerManagedKey:
    def run(self, runner, resource_type, props):
        return [v.message for v in runner(secret_store_customer_managed_key, resource_type, props, name="k")]

    def test_aws_secret_with_customer_key_is_compliant(self, run_resource_policy):
        assert self.run(run_resource_policy, AWS_SECRET, {"name": "openai", "kmsKeyId": KMS_ARN}) == []

    def test_aws_secret_with_key_from_this_stack_is_compliant_during_preview(self, run_resource_policy):
        assert self.run(run_resource_policy, AWS_SECRET, {"kmsKeyId": UNKNOWN_STRING_VALUE}) == []

    @pytest.mark.parametrize("props", [{}, {"name": "openai"}, {"kmsKeyId": ""}, {"kmsKeyId": None}])
    def test_aws_secret_without_key_is_reported(self, run_resource_policy, props):
        assert self.run(run_resource_policy, AWS_SECRET, props) == [
            f"Secret 'k' ({AWS_SECRET}) has no kmsKeyId (it uses the AWS managed key aws/secretsmanager)."
        ]

    @pytest.mark.parametrize("key", ["alias/aws/secretsmanager", "arn:aws:kms:us-east-1:123456789012:alias/aws/secretsmanager"])
    def test_aws_secret_with_aws_managed_alias_is_reported(self, run_resource_policy, key):
        assert self.run(run_resource_policy, AWS_SECRET, {"kmsKeyId": key}) == [
            f"Secret 'k' ({AWS_SECRET}) uses the AWS managed key alias/aws/secretsmanager."
        ]

    def test_gcp_auto_replication_with_cmek_is_compliant(self, run_resource_policy):
        props = {"secretId": "s", "replication": {"auto": {"customerManagedEncryption": {"kmsKeyName": GCP_KEY}}}}
        assert self.run(run_resource_policy, GCP_SECRET, props) == []

    @pytest.mark.parametrize("props", [{"secretId": "s"}, {"replication": {"auto": {}}}, {"replication": {"automatic": True}}])
    def test_gcp_without_cmek_is_reported(self, run_resource_policy, props):
        assert self.run(run_resource_policy, GCP_SECRET, props) == [
            f"Secret 'k' ({GCP_SECRET}) has no replication.auto.customerManagedEncryption (it uses a Google-managed key)."
        ]

    def test_gcp_user_managed_replicas_are_checked_one_by_one(self, run_resource_policy):
        replicas = [
            {"location": "us-east1", "customerManagedEncryption": {"kmsKeyName": GCP_KEY}},
            {"location": "europe-west1"},
            {"location": "asia-east1", "customerManagedEncryption": {}},
        ]
        props = {"replication": {"userManaged": {"replicas": replicas}}}
        assert self.run(run_resource_policy, GCP_SECRET, props) == [
            f"Secret 'k' ({GCP_SECRET}) replica replication.userManaged.replicas[1] has no customerManagedEncryption.",
            f"Secret 'k' ({GCP_SECRET}) replica replication.userManaged.replicas[2] has no customerManagedEncryption.",
        ]

    def test_gcp_user_managed_replicas_all_with_cmek_are_compliant(self, run_resource_policy):
        replicas = [{"location": "us-east1", "customerManagedEncryption": {"kmsKeyName": GCP_KEY}}]
        props = {"replication": {"userManaged": {"replicas": replicas}}}
        assert self.run(run_resource_policy, GCP_SECRET, props) == []

    def test_gcp_unknown_replication_is_not_reported(self, run_resource_policy):
        assert self.run(run_resource_policy, GCP_SECRET, {"replication": UNKNOWN_OBJECT_VALUE}) == []

    def test_gcp_regional_secret(self, run_resource_policy):
        assert self.run(run_resource_policy, GCP_REGIONAL, {"customerManagedEncryption": {"kmsKeyName": GCP_KEY}}) == []
        assert self.run(run_resource_policy, GCP_REGIONAL, {"location": "us-east1"}) == [
            f"Secret 'k' ({GCP_REGIONAL}) has no customerManagedEncryption (it uses a Google-managed key)."
        ]

    def test_secret_marked_key_id_counts_as_set(self, run_resource_policy):
        assert self.run(run_resource_policy, AWS_SECRET, {"kmsKeyId": Secret(KMS_ARN)}) == []

    def test_other_types_are_ignored(self, run_resource_policy):
        assert self.run(run_resource_policy, AZURE_SECRET, {}) == []
        assert self.run(run_resource_policy, "aws:s3/bucket:Bucket", {}) == []


class TestRotation:
    def test_aws_secret_with_rotation_linked_by_dependency_is_compliant(self, run_stack_policy, stack_resource):
        """During preview the ARN is unknown: the rotation is matched through its property dependency."""
        secret = stack_resource(AWS_SECRET, {"arn": UNKNOWN_STRING_VALUE}, "openai")
        rotation = stack_resource(
            AWS_ROTATION,
            {"secretId": UNKNOWN_STRING_VALUE, "rotationRules": {"automaticallyAfterDays": 30}},
            "openai-rotation",
            property_dependencies={"secretId": [secret]},
        )
        assert run_stack_policy(secret_store_rotation, [secret, rotation]) == []

    @pytest.mark.parametrize("key", ["arn", "id", "name"])
    def test_aws_secret_with_rotation_linked_by_value_is_compliant(self, run_stack_policy, stack_resource, key):
        values = {"arn": "arn:aws:secretsmanager:us-east-1:1:secret:openai-AbCd", "id": "sid", "name": "openai"}
        secret = stack_resource(AWS_SECRET, {k: v for k, v in values.items() if k == key}, "openai")
        rotation = stack_resource(AWS_ROTATION, {"secretId": values[key]}, "rot")
        assert run_stack_policy(secret_store_rotation, [rotation, secret]) == []

    def test_aws_secret_without_rotation_is_reported(self, run_stack_policy, stack_resource):
        rotated = stack_resource(AWS_SECRET, {"arn": "arn:a"}, "rotated")
        unrotated = stack_resource(AWS_SECRET, {"arn": "arn:b"}, "unrotated")
        rotation = stack_resource(AWS_ROTATION, {"secretId": "arn:a"}, "rot")
        violations = run_stack_policy(secret_store_rotation, [rotated, unrotated, rotation])
        assert violations == [
            (f"Secret 'unrotated' ({AWS_SECRET}) has no {AWS_ROTATION} in this stack.", unrotated.urn),
        ]

    def test_gcp_rotation(self, run_stack_policy, stack_resource):
        rotated = stack_resource(GCP_SECRET, {"rotation": {"rotationPeriod": "7776000s"}}, "a")
        unrotated = stack_resource(GCP_SECRET, {"secretId": "b"}, "b")
        regional = stack_resource(GCP_REGIONAL, {"rotation": {}}, "c")
        violations = run_stack_policy(secret_store_rotation, [rotated, unrotated, regional])
        assert violations == [
            (f"Secret 'b' ({GCP_SECRET}) has no rotation schedule (rotation.rotationPeriod).", unrotated.urn),
            (f"Secret 'c' ({GCP_REGIONAL}) has no rotation schedule (rotation.rotationPeriod).", regional.urn),
        ]

    def test_azure_expiry(self, run_stack_policy, stack_resource):
        expiring = stack_resource(AZURE_SECRET, {"properties": {"attributes": {"expires": 1893456000}}}, "a")
        forever = stack_resource(AZURE_SECRET, {"properties": {"value": Secret("x")}}, "b")
        missing = stack_resource(AZURE_SECRET, {}, "c")
        violations = run_stack_policy(secret_store_rotation, [expiring, forever, missing])
        assert [v.urn for v in violations] == [forever.urn, missing.urn]
        assert violations[0].message == (f"Secret 'b' ({AZURE_SECRET}) has no expiry date (properties.attributes.expires).")

    def test_stack_without_secrets_is_compliant(self, run_stack_policy, stack_resource):
        assert run_stack_policy(secret_store_rotation, []) == []
        assert run_stack_policy(secret_store_rotation, [stack_resource("aws:s3/bucket:Bucket", {})]) == []


def _aws_policy(*statements: dict[str, object]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


class TestNoPublicRead:
    def run(self, runner, resource_type, props):
        return [v.message for v in runner(secret_store_no_public_read, resource_type, props, name="p")]

    @pytest.mark.parametrize("principal", ["*", {"AWS": "*"}, {"AWS": ["arn:aws:iam::1:root", "*"]}])
    @pytest.mark.parametrize("action", ["secretsmanager:GetSecretValue", ["secretsmanager:*"], "*", "SecretsManager:Get*"])
    def test_wildcard_principal_that_can_read_is_reported(self, run_resource_policy, principal, action):
        document = _aws_policy({"Sid": "Everyone", "Effect": "Allow", "Principal": principal, "Action": action})
        assert self.run(run_resource_policy, AWS_POLICY, {"secretArn": "arn", "policy": document}) == [
            f"'p' ({AWS_POLICY}) has a policy statement (Everyone) that lets any principal ('*') read the secret "
            "(secretsmanager:GetSecretValue) without a Condition."
        ]

    def test_inline_policy_on_the_secret_is_checked(self, run_resource_policy):
        document = _aws_policy({"Effect": "Allow", "Principal": "*", "Action": "secretsmanager:GetSecretValue"})
        messages = self.run(run_resource_policy, AWS_SECRET, {"policy": document})
        assert len(messages) == 1
        assert "statement (#0)" in messages[0]

    def test_policy_given_as_object_is_checked(self, run_resource_policy):
        document = json.loads(_aws_policy({"Effect": "Allow", "Principal": "*", "Action": "*"}))
        assert len(self.run(run_resource_policy, AWS_POLICY, {"policy": document})) == 1

    @pytest.mark.parametrize(
        "statement",
        [
            {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::1:role/app"}, "Action": "secretsmanager:GetSecretValue"},
            {"Effect": "Deny", "Principal": "*", "Action": "secretsmanager:GetSecretValue"},
            {
                "Effect": "Allow",
                "Principal": "*",
                "Action": "secretsmanager:GetSecretValue",
                "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-123"}},
            },
            {"Effect": "Allow", "Principal": "*", "Action": "secretsmanager:DescribeSecret"},
            {"Effect": "Allow", "Principal": "*", "NotAction": "secretsmanager:GetSecretValue"},
        ],
    )
    def test_restricted_statements_are_compliant(self, run_resource_policy, statement):
        assert self.run(run_resource_policy, AWS_POLICY, {"policy": _aws_policy(statement)}) == []

    def test_not_action_that_leaves_read_open_is_reported(self, run_resource_policy):
        document = _aws_policy({"Effect": "Allow", "Principal": "*", "NotAction": "secretsmanager:DeleteSecret"})
        assert len(self.run(run_resource_policy, AWS_POLICY, {"policy": document})) == 1

    @pytest.mark.parametrize("props", [{}, {"policy": UNKNOWN_STRING_VALUE}, {"policy": "not json"}, {"policy": "{}"}])
    def test_missing_or_unreadable_policy_is_not_reported(self, run_resource_policy, props):
        assert self.run(run_resource_policy, AWS_POLICY, props) == []

    @pytest.mark.parametrize(
        "resource_type",
        [
            "gcp:secretmanager/secretIamMember:SecretIamMember",
            "gcp:secretmanager/regionalSecretIamMember:RegionalSecretIamMember",
        ],
    )
    @pytest.mark.parametrize("member", ["allUsers", "allAuthenticatedUsers"])
    def test_gcp_iam_member(self, run_resource_policy, resource_type, member):
        props = {"secretId": "s", "role": "roles/secretmanager.secretAccessor", "member": member}
        assert self.run(run_resource_policy, resource_type, props) == [f"'p' ({resource_type}) grants access to {member}."]
        props["member"] = "serviceAccount:app@p.iam.gserviceaccount.com"
        assert self.run(run_resource_policy, resource_type, props) == []

    def test_gcp_iam_binding(self, run_resource_policy):
        resource_type = "gcp:secretmanager/secretIamBinding:SecretIamBinding"
        props = {"members": ["user:a@example.com", "allUsers", "allAuthenticatedUsers"]}
        assert self.run(run_resource_policy, resource_type, props) == [
            f"'p' ({resource_type}) grants access to allAuthenticatedUsers.",
            f"'p' ({resource_type}) grants access to allUsers.",
        ]
        assert self.run(run_resource_policy, resource_type, {"members": ["group:g@example.com"]}) == []
        assert self.run(run_resource_policy, resource_type, {}) == []

    def test_gcp_iam_policy(self, run_resource_policy):
        resource_type = "gcp:secretmanager/secretIamPolicy:SecretIamPolicy"
        policy = {"bindings": [{"role": "roles/secretmanager.secretAccessor", "members": ["allUsers"]}]}
        assert self.run(run_resource_policy, resource_type, {"policyData": json.dumps(policy)}) == [
            f"'p' ({resource_type}) grants access to allUsers."
        ]
        assert self.run(run_resource_policy, resource_type, {"policyData": json.dumps({"bindings": []})}) == []


class TestPublicReadUnderstandsIam:
    """Principals and conditions as IAM evaluates them (the earlier check missed the first three cases)."""

    READ = "secretsmanager:GetSecretValue"

    def run(self, runner, statement):
        document = _aws_policy({"Sid": "S", "Effect": "Allow", "Action": self.READ, **statement})
        return [v.message for v in runner(secret_store_no_public_read, AWS_POLICY, {"policy": document}, name="p")]

    def test_allow_with_not_principal_is_reported(self, run_resource_policy):
        messages = self.run(run_resource_policy, {"NotPrincipal": {"AWS": "arn:aws:iam::123456789012:role/admin"}})
        assert messages == [
            f"'p' ({AWS_POLICY}) has a policy statement (S) that lets every principal except those in NotPrincipal "
            "read the secret (secretsmanager:GetSecretValue) without a Condition."
        ]

    def test_deny_with_not_principal_is_compliant(self, run_resource_policy):
        document = _aws_policy({"Effect": "Deny", "NotPrincipal": {"AWS": "arn:aws:iam::1:role/a"}, "Action": self.READ})
        assert run_resource_policy(secret_store_no_public_read, AWS_POLICY, {"policy": document}) == []

    def test_condition_that_restricts_nobody_is_reported(self, run_resource_policy):
        condition = {"Bool": {"aws:SecureTransport": "true"}}
        assert self.run(run_resource_policy, {"Principal": "*", "Condition": condition}) == [
            f"'p' ({AWS_POLICY}) has a policy statement (S) that lets any principal ('*') read the secret "
            "(secretsmanager:GetSecretValue); its Condition (aws:SecureTransport) does not restrict who the principal is."
        ]

    @pytest.mark.parametrize(
        "principal",
        [
            {"Federated": "*"},
            {"Service": "*"},
            {"CanonicalUser": "*"},
            {"AWS": "arn:aws:iam::*:root"},
            {"AWS": ["arn:aws:iam::123456789012:role/app", "arn:aws:iam::*:role/app"]},
        ],
        ids=["federated", "service", "canonical-user", "any-account-root", "any-account-role"],
    )
    def test_wildcard_principals_of_every_kind_are_reported(self, run_resource_policy, principal):
        assert len(self.run(run_resource_policy, {"Principal": principal})) == 1

    @pytest.mark.parametrize(
        "condition",
        [
            {"StringEquals": {"aws:PrincipalOrgID": "o-a1b2c3d4e5"}},
            {"ForAnyValue:StringLike": {"aws:PrincipalOrgPaths": "o-a1b2c3d4e5/r-ab12/ou-ab12-11111111/*"}},
            {"StringEquals": {"aws:PrincipalAccount": "123456789012"}},
            {"ArnLike": {"aws:PrincipalArn": "arn:aws:iam::123456789012:role/app-*"}},
            {"ArnEquals": {"aws:SourceArn": "arn:aws:lambda:us-east-1:123456789012:function:f"}},
            {"StringEquals": {"aws:SourceAccount": "123456789012"}},
            {"StringEquals": {"aws:SourceVpce": "vpce-0a1b2c3d4e5f67890"}},
            {"StringEquals": {"aws:PrincipalTag/team": "ml"}},
            {"Bool": {"aws:PrincipalIsAWSService": "true"}},
            {"Bool": {"aws:SecureTransport": "true"}, "StringEquals": {"aws:PrincipalOrgID": "o-a1b2c3d4e5"}},
        ],
        ids=[
            "org-id",
            "org-paths",
            "account",
            "principal-arn",
            "source-arn",
            "source-account",
            "vpce",
            "tag",
            "aws-service",
            "both",
        ],
    )
    def test_conditions_that_restrict_the_principal_are_compliant(self, run_resource_policy, condition):
        assert self.run(run_resource_policy, {"Principal": "*", "Condition": condition}) == []
        assert self.run(run_resource_policy, {"Principal": {"Federated": "*"}, "Condition": condition}) == []

    @pytest.mark.parametrize(
        "condition",
        [
            {"StringNotEquals": {"aws:PrincipalAccount": "123456789012"}},
            {"StringEqualsIfExists": {"aws:PrincipalOrgID": "o-a1b2c3d4e5"}},
            {"StringLike": {"aws:PrincipalOrgID": "*"}},
            {"Null": {"aws:PrincipalOrgID": "false"}},
            {"DateLessThan": {"aws:CurrentTime": "2030-01-01T00:00:00Z"}},
            {"StringEquals": {"aws:RequestedRegion": "us-east-1"}},
            {"Bool": {"aws:PrincipalIsAWSService": "false"}},
        ],
        ids=["not-equals", "if-exists", "wildcard-value", "null", "current-time", "region", "not-aws-service"],
    )
    def test_conditions_that_do_not_restrict_the_principal_are_reported(self, run_resource_policy, condition):
        assert len(self.run(run_resource_policy, {"Principal": "*", "Condition": condition})) == 1

    def test_specific_principals_are_compliant(self, run_resource_policy):
        principal = {"AWS": ["arn:aws:iam::123456789012:role/app"], "Service": "lambda.amazonaws.com"}
        assert self.run(run_resource_policy, {"Principal": principal}) == []
