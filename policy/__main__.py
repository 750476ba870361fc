"""Entry point of the ai-keys policy pack, run by the Pulumi CLI.

``pulumi preview --policy-pack ./policy`` runs this file. Constructing ``PolicyPack`` starts the
analyzer's gRPC server and blocks, so nothing else may import this module.
"""

from ai_keys_policy import POLICIES
from ai_keys_policy.secrets import install_secret_preserving_deserializer
from pulumi_policy import EnforcementLevel, PolicyPack

# Let the validations tell values marked secret from plaintext (see ai_keys_policy/secrets.py).
install_secret_preserving_deserializer()

PolicyPack(
    name="ai-keys",
    description="Keeps AI API keys out of plaintext and checks how secret stores protect them.",
    enforcement_level=EnforcementLevel.ADVISORY,
    policies=list(POLICIES),
)
