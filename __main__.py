"""Entry point of the ai-keys Pulumi plugin (see PulumiPlugin.yaml): hosts SecureApiKey for other languages.

The Python language host runs this file as ``python <plugin dir> <engine address> ...`` from the plugin's
virtualenv. Python programs never run it: they ``import ai_keys``.
"""

import sys
from pathlib import Path

# Serve this source tree even if the virtualenv holds an older non-editable copy of ai-keys.
sys.path.insert(0, str(Path(__file__).resolve().parent / "src"))

from ai_keys.provider import main

if __name__ == "__main__":
    main()
