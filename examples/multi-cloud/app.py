"""The app side: read the key at run time, whichever cloud the app runs in.

Set ``OPENAI_KEY_REF`` to the stack output for the cloud the app runs in (``aws_secret_ref``,
``azure_secret_ref`` or ``gcp_secret_ref``); credentials come from the cloud's default chain (the Lambda
role, the managed identity, the service account).
"""

import os

from ai_keys.runtime import resolve


def openai_api_key() -> str:
    """The current key, cached in memory (a few minutes) and refreshed after rotation."""
    return resolve(os.environ["OPENAI_KEY_REF"])


if __name__ == "__main__":
    key = openai_api_key()
    print(f"read a key of {len(key)} characters")  # never print the key itself
