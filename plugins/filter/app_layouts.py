# Copyright: contributors to flaskstack.deploy
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The filter flaskstack.deploy.app_layouts: every derived name of each application (the logic is in plugins/module_utils/layout.py)."""

from __future__ import annotations

DOCUMENTATION = r"""
name: app_layouts
author: flaskstack.deploy contributors
version_added: 0.1.0
short_description: Every derived name of each application
description:
- 'Checks the application list (see the app role, P(flaskstack.deploy.app#role)) and returns one dictionary per application
  with its defaults filled in and every derived name: system user, directories, release links, socket, systemd units, web
  server site, certificate paths, health URL.'
- Secret values (C(secret_env)) are not copied into the result; only their names are (C(secret_env_keys)).
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
- name: Show where the socket of each application lives
  ansible.builtin.debug:
    msg: "{{ item.name }}: {{ item.socket_path }}"
  loop: "{{ flaskstack_apps | flaskstack.deploy.app_layouts(app_server=flaskstack_app_server, web_server=flaskstack_web_server) }}"
"""

RETURN = r"""
_value:
  description: One dictionary per application.
  type: list
  elements: dict
"""

from ansible.errors import AnsibleFilterError
from ansible_collections.flaskstack.deploy.plugins.module_utils import layout


def app_layouts(apps, app_server=None, web_server=None, variable="flaskstack_apps", runtime=None):
    """The applications with their derived names."""
    try:
        return layout.app_layouts(apps, app_server, web_server, variable, runtime)
    except layout.LayoutError as exc:
        raise AnsibleFilterError(str(exc)) from None


class FilterModule:
    """flaskstack.deploy.app_layouts"""

    def filters(self):
        return {"app_layouts": app_layouts}
