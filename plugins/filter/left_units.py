# Copyright: contributors to flaskstack.deploy
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The filter flaskstack.deploy.left_units: the units an application left behind on another app server (the logic is in plugins/module_utils/layout.py)."""

from __future__ import annotations

DOCUMENTATION = r"""
name: left_units
author: flaskstack.deploy contributors
version_added: 0.2.0
short_description: The units an application left behind on another app server
description:
- The units named after the applications (C(flaskstack-NAME.socket), C(flaskstack-NAME.service)) that their app server
  no longer has. That is what an app server with both leaves for an application that moved to another app server. None
  when that server uses the same names; the socket when it listens on a loopback port instead; both when the web server hosts it.
options:
  _input:
    description: The applications that moved, from P(flaskstack.deploy.app_layouts#filter) (their new app server's layout).
    type: list
    elements: dict
    required: true
"""

EXAMPLES = r"""
- name: Stop the units that the applications no longer have
  ansible.builtin.systemd_service:
    name: "{{ item }}"
    state: stopped
  loop: "{{ moved | flaskstack.deploy.left_units }}"
"""

RETURN = r"""
_value:
  description: The unit names.
  type: list
  elements: str
"""

from ansible.errors import AnsibleFilterError
from ansible_collections.flaskstack.deploy.plugins.module_utils import layout


def left_units(apps):
    """The units the applications left behind."""
    try:
        return layout.left_units(apps)
    except (KeyError, TypeError) as exc:
        raise AnsibleFilterError(f"left_units: expects applications from flaskstack.deploy.app_layouts ({exc})") from None


class FilterModule:
    """flaskstack.deploy.left_units"""

    def filters(self):
        return {"left_units": left_units}
