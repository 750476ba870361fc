"""The rotator: the code a managed rotation deploys as a function. Standard library (and boto3 on AWS) only, and
relative imports only: it is shipped as the package ``aikeys_rotator`` and imports nothing else of ``ai_keys``.

* :mod:`.engine`: one rotation (two live keys), and AWS Secrets Manager's four steps built on it;
* :mod:`.settings`: the ``AIKEYS_*`` environment; :mod:`.assemble`: the store and vendor a run needs;
* entries: :mod:`.aws_lambda` (``handler``), :mod:`.gcp_function` (``main``), :mod:`.azure_function` (``rotate``),
  and the per-cloud entry files in ``entries/`` (``index.py``, ``main.py``, ``function_app.py``, ``host.json``);
* stores: :mod:`.store_aws`, :mod:`.store_gcp`, :mod:`.store_azure`;
* vendors: :mod:`.vendor_bedrock`, :mod:`.vendor_aws_api_gateway`, :mod:`.vendor_gemini`,
  :mod:`.vendor_azure_ai_services`, :mod:`.vendor_azure_api_management`, :mod:`.vendor_openai`;
* plumbing: :mod:`.http` (JSON over urllib, retries), :mod:`.tokens` (GCP metadata and Azure managed identity tokens),
  :mod:`.aws_clients` (boto3 clients), :mod:`.logsafe` (no key value in any log record).
"""
