"""Create a Gemini API key, store it in Google Cloud Secret Manager, readable only by the Cloud Run service account.

pulumi config set gcp:project my-project
pulumi config set caller_service_account_email gemini-caller@my-project.iam.gserviceaccount.com   # optional
pulumi up
"""

import pulumi
import pulumi_gcp as gcp

from ai_keys import SecureApiKey

config = pulumi.Config()
project = pulumi.Config("gcp").require("project")

# The identity the Cloud Run service runs as: only it may read the key (deploy the service with
# service_account=<this email>).
run_identity = gcp.serviceaccount.Account(
    "summarizer-run",
    # Service account ids are unique per project: one per stack, so a second stack of this program can coexist.
    account_id=f"summarizer-{pulumi.get_stack()}"[:30].lower(),
    project=project,
    display_name="Summarizer on Cloud Run",
    description="Runs the summarizer; reads its Gemini key from Secret Manager.",
)

# The service account the key is bound to. Without one, the component creates one with no roles at all:
# a key bound to a service account needs none to call the Gemini API.
caller_service_account_email = config.get("caller_service_account_email")

gemini_key = SecureApiKey(
    "gemini",
    {
        "backend": "gcp-secret-manager",
        # Google makes the key: restricted to generativelanguage.googleapis.com and bound to a service account.
        "issuer": {
            "gemini": {
                "project": project,
                "display_name": "Summarizer (Gemini)",
                **({"service_account_email": caller_service_account_email} if caller_service_account_email else {}),
            }
        },
        "description": "Gemini key for the summarizer on Cloud Run",
        # A reader known only at deploy time is keyed by a name of your choosing: its grant stays put when readers
        # are added, removed or reordered.
        "readers_by_name": {"summarizer": run_identity.member},
        "tags": {"team": "ml", "app": "summarizer"},
    },
)

# Cloud Run reads the key at run time with ai_keys.runtime.resolve(<this name>); the value is never exported.
pulumi.export("secret_ref", gemini_key.secret_ref)
pulumi.export("issued_key_id", gemini_key.issued_key_id)
pulumi.export("run_service_account", run_identity.email)
