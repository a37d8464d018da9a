# Copyright: contributors to flaskstack.deploy
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The filter flaskstack.deploy.moved_apps: the applications that moved to another app server (the logic is in plugins/module_utils/layout.py)."""

from __future__ import annotations

DOCUMENTATION = r"""
name: moved_apps
author: flaskstack.deploy contributors
version_added: 0.2.0
short_description: The applications that moved to another app server
description:
- The applications whose app server differs from the one the host was set up with (the file C(/etc/flaskstack/NAME/app_server),
  as M(flaskstack.deploy.stack_info) read it), one entry per app server each leaves; an application set up before that file
  existed leaves every other app server.
options:
  _input:
    description: Applications from P(flaskstack.deploy.app_layouts#filter).
    type: list
    elements: dict
    required: true
  state:
    description: What M(flaskstack.deploy.stack_info) read (the applications' base directories and C(app_server) files).
    type: dict
    required: true
  app_servers:
    description: Every app server the collection knows.
    type: list
    elements: str
    required: true
"""

EXAMPLES = r"""
- name: Take the applications away from the app servers they left
  ansible.builtin.include_role:
    name: flaskstack.deploy.{{ item.0 }}
    tasks_from: absent
  loop: "{{ apps | flaskstack.deploy.moved_apps(state, ({} | flaskstack.deploy.pairings).app_servers.keys() | list) | groupby('from') }}"
  vars:
    flaskstack_app_server_apps: "{{ item.1 | map(attribute='app') }}"
"""

RETURN = r"""
_value:
  description: V(app), V(from) (the app server it leaves) and V(recorded) (whether the host says so, or the application was set up before it could) per entry.
  type: list
  elements: dict
"""

from ansible_collections.flaskstack.deploy.plugins.module_utils import layout


def moved_apps(apps, state, app_servers):
    """The applications that moved to another app server."""
    return layout.moved_apps(apps, state, app_servers)


class FilterModule:
    """flaskstack.deploy.moved_apps"""

    def filters(self):
        return {"moved_apps": moved_apps}
