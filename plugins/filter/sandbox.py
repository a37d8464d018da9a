# Copyright: contributors to flaskstack.deploy
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The systemd_sandbox filter (the logic is in module_utils/sandbox.py)."""

from __future__ import annotations

from ansible.errors import AnsibleFilterError
from ansible_collections.flaskstack.deploy.plugins.module_utils import sandbox


def systemd_sandbox(apps, overrides=None, profile="app"):
    """The sandbox settings ("Key=Value" lines) of a unit that runs an application
    (profile app) or of Apache hosting mod_wsgi applications (profile apache)."""
    try:
        return sandbox.systemd_sandbox(apps, overrides, profile)
    except sandbox.SandboxError as exc:
        raise AnsibleFilterError(str(exc)) from None


class FilterModule:
    """flaskstack.deploy sandbox filter."""

    def filters(self):
        return {"systemd_sandbox": systemd_sandbox}
