# Copyright: contributors to flaskstack.deploy
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The filter flaskstack.deploy.release_check_item: how to check a new release before it gets traffic (the logic is in plugins/module_utils/releases.py)."""

from __future__ import annotations

DOCUMENTATION = r"""
name: release_check_item
author: flaskstack.deploy contributors
version_added: 0.2.0
short_description: How to check a new release before it gets traffic
description:
- 'The item of M(flaskstack.deploy.run_steps) that checks a new release as its app server will run it - its user, settings,
  directory and sandbox, in a transient systemd unit: the WSGI entry point imported and asked for the health path in-process
  (no traffic reaches the release), then the application''s C(test_command), then its C(release_command) when this host
  runs it. Marked finished when they passed.'
options:
  _input:
    description: A release from P(flaskstack.deploy.app_release#filter).
    type: dict
    required: true
  overrides:
    description: Sandbox settings over the collection's (see P(flaskstack.deploy.systemd_sandbox#filter)).
    type: dict
  release_commands:
    description: The applications whose C(release_command) this host runs after the checks (see P(flaskstack.deploy.release_command_apps#filter)).
    type: list
    elements: str
"""

EXAMPLES = r"""
- name: Check the new releases side by side
  flaskstack.deploy.run_steps:
    items: "{{ releases | map('flaskstack.deploy.release_check_item', {}) }}"
"""

RETURN = r"""
_value:
  description: An item of M(flaskstack.deploy.run_steps).
  type: dict
"""

from ansible.errors import AnsibleFilterError
from ansible_collections.flaskstack.deploy.plugins.module_utils import releases, sandbox


def release_check_item(release, overrides=None, release_commands=None):
    """How to check a new release before it gets traffic."""
    try:
        return releases.check_item(release, sandbox.run_as_app(release, overrides), release["name"] in (release_commands or []))
    except sandbox.SandboxError as exc:
        raise AnsibleFilterError(str(exc)) from None


class FilterModule:
    """flaskstack.deploy.release_check_item"""

    def filters(self):
        return {"release_check_item": release_check_item}
