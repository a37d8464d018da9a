# Copyright: contributors to flaskstack.deploy
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The filter flaskstack.deploy.systemd_sandbox: the systemd sandbox of a unit that runs an application (the logic is in plugins/module_utils/sandbox.py)."""

from __future__ import annotations

DOCUMENTATION = r"""
name: systemd_sandbox
author: flaskstack.deploy contributors
version_added: 0.1.0
short_description: The systemd sandbox of a unit that runs an application
description:
- The sandbox settings (V(Key=Value) lines) of a unit that runs an application, with the application's C(shared_dirs) and
  C(writable_paths) writable.
- C(systemd-analyze security) rates an app server's unit with them about 1.2 (OK).
options:
  _input:
    description: An application, from P(flaskstack.deploy.app_layouts#filter).
    type: dict
    required: true
  overrides:
    description: Settings over the collection's; a null value leaves one out, a list repeats it.
    type: dict
  live_release:
    description:
    - Start with what a unit that runs the application's own commands sets besides its sandbox, for its live release
      (through C(current)) - its user and group, its settings and secrets (C(EnvironmentFile)), its code directory, its
      environment first on C(PATH), C(PYTHONPATH) and C(VIRTUAL_ENV) - as the checks of a new release run.
    type: bool
    default: false
"""

EXAMPLES = r"""
- name: Write a unit with the sandbox
  ansible.builtin.copy:
    content: "{{ app | flaskstack.deploy.systemd_sandbox({'PrivateUsers': true}) | join('\n') }}\n"
    dest: /etc/systemd/system/example.service.d/sandbox.conf
    mode: "0644"
"""

RETURN = r"""
_value:
  description: The lines.
  type: list
  elements: str
"""

from ansible.errors import AnsibleFilterError
from ansible_collections.flaskstack.deploy.plugins.module_utils import sandbox


def systemd_sandbox(app, overrides=None, live_release=False):
    """The sandbox lines of a unit."""
    try:
        return sandbox.systemd_sandbox(app, overrides, live_release)
    except sandbox.SandboxError as exc:
        raise AnsibleFilterError(str(exc)) from None


class FilterModule:
    """flaskstack.deploy.systemd_sandbox"""

    def filters(self):
        return {"systemd_sandbox": systemd_sandbox}
