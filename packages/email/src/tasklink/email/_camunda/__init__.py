"""Camunda's e-mail connector (``io.camunda:email:1``) served by this connector.

The models (:mod:`._models`) are imported by discovery; the adapters (:mod:`._run` and the
modules it calls) only when a job of the contract first runs.
"""
