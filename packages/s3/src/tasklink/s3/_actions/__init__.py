"""The operations' implementations, imported when an operation first runs (boto3 with
them, through :mod:`.._client`)."""
