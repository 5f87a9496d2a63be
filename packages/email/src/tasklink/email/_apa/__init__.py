"""Alfresco Process Automation's e-mail connector (action ``SEND``) served by this
connector.

The models (:mod:`._models`) are imported by discovery; the adapter (:mod:`._send` and
what it calls) only when a job of the contract first runs.
"""
