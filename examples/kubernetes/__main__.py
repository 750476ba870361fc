"""An OpenAI key in AWS Secrets Manager, delivered to the pods of one EKS namespace.

    pulumi config set --secret openai_api_key sk-...
    pulumi config set eks_oidc_issuer oidc.eks.us-east-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE
    pulumi config set --secret kubeconfig "$(cat ~/.kube/config)"   # optional: default, the current context
    pulumi config set delivery csi                                    # optional: default eso
    pulumi up

The External Secrets Operator (installed in the cluster) keeps the Kubernetes Secret ``openai`` in sync with the
secret, reading it as the service account ``summarizer`` (IRSA); with ``delivery: csi`` the Secrets Store CSI driver
mounts it as the file ``/mnt/secrets/api-key`` instead. Either way the key stays in Secrets Manager, readable by the
summarizer's role alone.
"""

import json

import pulumi
import pulumi_aws as aws
import pulumi_kubernetes as k8s

from ai_keys import SecureApiKey

config = pulumi.Config()
delivery = config.get("delivery") or "eso"
namespace, account = "inference", "summarizer"
# The cluster's OIDC issuer, without https:// (`aws eks describe-cluster --query cluster.identity.oidc.issuer`).
issuer = config.get("eks_oidc_issuer") or "oidc.eks.us-east-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE"
account_id = aws.get_caller_identity_output().account_id

# IRSA: the role only the summarizer service account of the inference namespace can assume.
role = aws.iam.Role(
    "summarizer",
    assume_role_policy=account_id.apply(
        lambda account_id: json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Principal": {"Federated": f"arn:aws:iam::{account_id}:oidc-provider/{issuer}"},
                        "Action": "sts:AssumeRoleWithWebIdentity",
                        "Condition": {
                            "StringEquals": {
                                f"{issuer}:sub": f"system:serviceaccount:{namespace}:{account}",
                                f"{issuer}:aud": "sts.amazonaws.com",
                            }
                        },
                    }
                ],
            }
        )
    ),
)

kubeconfig = config.get_secret("kubeconfig")
cluster = k8s.Provider("cluster", kubeconfig=kubeconfig) if kubeconfig is not None else k8s.Provider("cluster")

key = SecureApiKey(
    "openai",
    {
        "backend": "aws-secrets-manager",
        "value": config.require_secret("openai_api_key"),
        "description": "OpenAI key for the summarizer pods",
        "kubernetes": {
            "namespace": namespace,
            "secret_name": "openai",
            "service_account": account,
            "identity": {"role_arn": role.arn},  # granted read on this key alone, as a reader
            "delivery": delivery,
            "create_service_account": True,  # annotated eks.amazonaws.com/role-arn
            **({"refresh_interval": "15m"} if delivery == "eso" else {}),
        },
    },
    # The component hands the provider to every Kubernetes object it registers.
    opts=pulumi.ResourceOptions(providers=[cluster]),
)

# The pods: the key as an environment variable (ESO's Secret) or as a file (the CSI volume). depends_on waits for
# every object the key registers.
container: dict = {"name": "summarizer", "image": "ghcr.io/example/summarizer:1.0"}
pod: dict = {"serviceAccountName": account, "containers": [container]}
if delivery == "eso":
    container["env"] = [{"name": "OPENAI_API_KEY", "valueFrom": {"secretKeyRef": {"name": "openai", "key": "api-key"}}}]
else:
    container["volumeMounts"] = [{"name": "openai", "mountPath": "/mnt/secrets", "readOnly": True}]
    pod["volumes"] = [
        {
            "name": "openai",
            "csi": {
                "driver": "secrets-store.csi.k8s.io",
                "readOnly": True,
                "volumeAttributes": {"secretProviderClass": "openai"},
            },
        }
    ]
k8s.apps.v1.Deployment(
    "summarizer",
    metadata={"name": "summarizer", "namespace": namespace},
    spec={
        "replicas": 3,
        "selector": {"matchLabels": {"app": "summarizer"}},
        "template": {"metadata": {"labels": {"app": "summarizer"}}, "spec": pod},
    },
    opts=pulumi.ResourceOptions(provider=cluster, depends_on=[key]),
)

pulumi.export("openai_key_ref", key.secret_ref)
pulumi.export("kubernetes_secret", key.kubernetes_secret)
pulumi.export("summarizer_role_arn", role.arn)
