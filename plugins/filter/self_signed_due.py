# Copyright: contributors to flaskstack.deploy
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The filter flaskstack.deploy.self_signed_due: the applications whose self-signed certificate must be made (the logic is in plugins/module_utils/tls.py)."""

from __future__ import annotations

DOCUMENTATION = r"""
name: self_signed_due
author: flaskstack.deploy contributors
version_added: 0.2.0
short_description: The applications whose self-signed certificate must be made
description:
- Of the applications given, those whose self-signed certificate is missing, whose key is missing, which names other server
  names, or which ends within O(renew_days) days, as M(flaskstack.deploy.stack_info) read them. A certificate that is a link
  (certbot's) is left alone.
options:
  _input:
    description: Applications from P(flaskstack.deploy.app_layouts#filter).
    type: list
    elements: dict
    required: true
  state:
    description: What M(flaskstack.deploy.stack_info) returned for their certificate and key paths and certificates.
    type: dict
    required: true
  renew_days:
    description: How many days before its end a certificate is made again.
    type: int
    default: 30
"""

EXAMPLES = r"""
- name: Make the certificates that are due
  ansible.builtin.include_tasks: self_signed.yml
  vars:
    due: "{{ apps | flaskstack.deploy.self_signed_due(state, 30) }}"
"""

RETURN = r"""
_value:
  description: The applications whose certificate must be made.
  type: list
  elements: dict
"""

from ansible_collections.flaskstack.deploy.plugins.module_utils import tls


def self_signed_due(apps, state, renew_days=30):
    """The applications whose self-signed certificate must be made."""
    return tls.self_signed_due(apps, state, renew_days)


class FilterModule:
    """flaskstack.deploy.self_signed_due"""

    def filters(self):
        return {"self_signed_due": self_signed_due}
