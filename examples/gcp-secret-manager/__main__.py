"""Store a Gemini API key in Google Cloud Secret Manager, readable only by the Cloud Run service account.

pulumi config set gcp:project my-project
pulumi config set --secret gemini_api_key
pulumi up
"""

import pulumi

from ai_keys import SecureApiKey

config = pulumi.Config()
project = pulumi.Config("gcp").require("project")

# The identity the Cloud Run service runs as: only this member may read the key.
reader = config.get("reader") or f"serviceAccount:gemini-app@{project}.iam.gserviceaccount.com"
locations = config.get_object("locations") or ["us-central1", "europe-west1"]

gemini_key = SecureApiKey(
    "gemini",
    {
        "backend": "gcp-secret-manager",
        "value": config.require_secret("gemini_api_key"),
        "description": "Gemini key for the summarizer on Cloud Run",
        "readers": [reader],
        # User-managed replication keeps the key's data in these locations only; each gets its own Cloud KMS key.
        "replica_regions": locations,
        "encryption": {"create_key": True},
        # Secret Manager publishes a rotation notice to a Pub/Sub topic every 90 days; subscribe your rotator to it.
        "rotation": {"every_days": 90},
        "tags": {"team": "ml", "app": "summarizer"},
    },
)

# Cloud Run reads the key at run time with ai_keys.runtime.resolve(<this name>); the value is never exported.
pulumi.export("gemini_key_ref", gemini_key.secret_ref)
pulumi.export("gemini_key_kms_key", gemini_key.kms_key_id)
pulumi.export("gemini_key_reader", reader)
