"""Fixtures of the shared verifier suite: what the scenario's inventory asks for."""

from stacklib import apps, hostvars, pairing, raw_apps, web_group  # noqa: F401
