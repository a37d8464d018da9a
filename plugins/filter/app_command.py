# Copyright: contributors to flaskstack.deploy
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The filter flaskstack.deploy.app_command: the command line that runs a command in an application's live release (the logic is in plugins/module_utils/sandbox.py)."""

from __future__ import annotations

DOCUMENTATION = r"""
name: app_command
author: flaskstack.deploy contributors
version_added: 0.3.0
short_description: The command line that runs a command in an application's live release
description:
- 'The argv of a transient systemd unit (C(systemd-run --wait --pipe)) that runs a shell command in the application''s live
  release as its app server runs it: its user, settings and secrets, the release''s code directory with its environment
  first on C(PATH), its sandbox. Its output and exit status are the command''s.'
options:
  _input:
    description: An application, from P(flaskstack.deploy.app_layouts#filter).
    type: dict
    required: true
  command:
    description: The shell command.
    type: str
    required: true
  overrides:
    description: Sandbox settings over the collection's (see P(flaskstack.deploy.systemd_sandbox#filter)).
    type: dict
"""

EXAMPLES = r"""
- name: Run a command in the live release
  ansible.builtin.command:
    argv: "{{ app | flaskstack.deploy.app_command('flask --app shop init-db') }}"
"""

RETURN = r"""
_value:
  description: The argv.
  type: list
  elements: str
"""

from ansible.errors import AnsibleFilterError
from ansible_collections.flaskstack.deploy.plugins.module_utils import sandbox


def app_command(app, command, overrides=None):
    """The command line that runs a command in the application's live release."""
    try:
        return sandbox.live_command(app, command, overrides)
    except sandbox.SandboxError as exc:
        raise AnsibleFilterError(str(exc)) from None


class FilterModule:
    """flaskstack.deploy.app_command"""

    def filters(self):
        return {"app_command": app_command}
