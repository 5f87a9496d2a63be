"""The operations, grouped by theme; each module is imported when one of its operations
first runs (the declaration names them as lazy targets). Every Slack call goes through
:mod:`.._api`."""
