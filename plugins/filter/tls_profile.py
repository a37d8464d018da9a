# Copyright: contributors to flaskstack.deploy
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The filter flaskstack.deploy.tls_profile: a Mozilla TLS profile (the logic is in plugins/module_utils/tls.py)."""

from __future__ import annotations

DOCUMENTATION = r"""
name: tls_profile
author: flaskstack.deploy contributors
version_added: 0.1.0
short_description: A Mozilla TLS profile
description:
- The protocols, ciphers and curves of Mozilla's V(intermediate) (TLS 1.2 and 1.3) or V(modern) (TLS 1.3 only) profile, for
  the OpenSSL of Debian 12 and 13.
options:
  _input:
    description: The profile's name.
    type: str
    required: true
    choices:
    - intermediate
    - modern
"""

EXAMPLES = r"""
- name: Show the ciphers of the intermediate profile
  ansible.builtin.debug:
    msg: "{{ ('intermediate' | flaskstack.deploy.tls_profile).ciphers }}"
"""

RETURN = r"""
_value:
  description: V(protocols) (a list), V(ciphers), V(curves) and V(prefer_server_ciphers).
  type: dict
"""

from ansible.errors import AnsibleFilterError
from ansible_collections.flaskstack.deploy.plugins.module_utils import tls


def tls_profile(name="intermediate"):
    """A Mozilla TLS profile."""
    try:
        return tls.tls_profile(name)
    except tls.ProfileError as exc:
        raise AnsibleFilterError(str(exc)) from None


class FilterModule:
    """flaskstack.deploy.tls_profile"""

    def filters(self):
        return {"tls_profile": tls_profile}
