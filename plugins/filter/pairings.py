# Copyright: contributors to flaskstack.deploy
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The filter flaskstack.deploy.pairings: the app servers and web servers the collection knows (the logic is in plugins/module_utils/pairings.py)."""

from __future__ import annotations

DOCUMENTATION = r"""
name: pairings
author: flaskstack.deploy contributors
version_added: 0.2.0
short_description: The app servers and web servers the collection knows
description:
- 'The pairing table: every app server with what the rest of the collection knows of it, the web servers, the supported pairings,
  the defaults, and the Apache modules of every app server (in the order C(a2dismod) takes them).'
options:
  _input:
    description: Anything (ignored); use V({}).
    type: raw
    required: true
"""

EXAMPLES = r"""
- name: Show the supported pairings
  ansible.builtin.debug:
    msg: "{{ ({} | flaskstack.deploy.pairings).supported }}"
"""

RETURN = r"""
_value:
  description: V(app_servers), V(web_servers), V(supported), V(default_app_server), V(default_web_server), V(apache_modules).
  type: dict
"""

from ansible_collections.flaskstack.deploy.plugins.module_utils import pairings as pairings_


def pairings(_input=None):
    """The app servers and web servers the collection knows."""
    return pairings_.table()


class FilterModule:
    """flaskstack.deploy.pairings"""

    def filters(self):
        return {"pairings": pairings}
