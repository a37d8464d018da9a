# Copyright: contributors to flaskstack.deploy
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The filter flaskstack.deploy.app_errors: the problems with an application list (the logic is in plugins/module_utils/schema.py)."""

from __future__ import annotations

DOCUMENTATION = r"""
name: app_errors
author: flaskstack.deploy contributors
version_added: 0.1.0
short_description: The problems with an application list
description:
- Checks an application list against the application schema (the keys, their types and values), the pairing of app server
  and web server, and names, ports and host names that two applications would claim.
- Returns the messages, each naming the variable, the entry and the allowed values; an empty list when the list is valid.
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
- name: Stop before any change when the application list is invalid
  ansible.builtin.assert:
    that: flaskstack_apps | flaskstack.deploy.app_errors | length == 0
    fail_msg: "{{ flaskstack_apps | flaskstack.deploy.app_errors | join(' ') }}"
"""

RETURN = r"""
_value:
  description: The problems, one message each.
  type: list
  elements: str
"""

from ansible_collections.flaskstack.deploy.plugins.module_utils import schema


def app_errors(apps, app_server=None, web_server=None, variable="flaskstack_apps", runtime=None):
    """The problems with an application list."""
    return schema.app_errors(apps, app_server, web_server, variable, runtime)


class FilterModule:
    """flaskstack.deploy.app_errors"""

    def filters(self):
        return {"app_errors": app_errors}
