# Copyright: contributors to flaskstack.deploy
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The filter flaskstack.deploy.removed_apps: what the collection made for each application marked absent (the logic is in plugins/module_utils/layout.py)."""

from __future__ import annotations

DOCUMENTATION = r"""
name: removed_apps
author: flaskstack.deploy contributors
version_added: 0.2.0
short_description: What the collection made for each application marked absent
description:
- 'Checks the application list (see the app role, P(flaskstack.deploy.app#role)) and returns, for each application marked
  C(state: absent), the names of what the collection made for it, to stop and remove: its user and group, its units (none
  of which it keeps: C(app_units) is empty), its settings, runtime and certificate directories, its data directory and
  whether the data stays (C(keep_data)).'
- Fails with every problem of the list, each naming the variable, the entry and the allowed values.
options:
  _input:
    description: The list of applications.
    type: list
    elements: dict
    required: true
  app_server:
    description: The app server of the applications that do not name their own; null for the pairing table's default.
    type: str
  web_server:
    description: The web server of the host; null for the pairing table's default.
    type: str
  variable:
    description: The variable to name in the messages.
    type: str
    default: flaskstack_apps
  runtime:
    description: The runtime of the applications that do not name their own (C(virtualenv) or C(container)); null for C(virtualenv).
    type: str
"""

EXAMPLES = r"""
- name: Show the settings directories that go
  ansible.builtin.debug:
    msg: "{{ item.name }}: {{ item.config_dir }}"
  loop: "{{ flaskstack_apps | flaskstack.deploy.removed_apps(app_server=flaskstack_app_server, web_server=flaskstack_web_server) }}"
"""

RETURN = r"""
_value:
  description: One dictionary per application marked absent.
  type: list
  elements: dict
"""

from ansible.errors import AnsibleFilterError
from ansible_collections.flaskstack.deploy.plugins.module_utils import layout


def removed_apps(apps, app_server=None, web_server=None, variable="flaskstack_apps", runtime=None):
    """What the collection made for the applications marked absent."""
    try:
        return layout.removed_layouts(apps, app_server, web_server, variable, runtime)
    except layout.LayoutError as exc:
        raise AnsibleFilterError(str(exc)) from None


class FilterModule:
    """flaskstack.deploy.removed_apps"""

    def filters(self):
        return {"removed_apps": removed_apps}
