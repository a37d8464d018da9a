# Copyright: contributors to flaskstack.deploy
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The filter flaskstack.deploy.debian_exporter: one of Debian's exporters, its unit's command and firewall table (the logic is in plugins/module_utils/metrics.py)."""

from __future__ import annotations

DOCUMENTATION = r"""
name: debian_exporter
author: flaskstack.deploy contributors
version_added: 0.3.0
short_description: The settings of one of Debian's Prometheus exporters
description:
- For Debian's node, Nginx and Apache exporters (C(prometheus-node-exporter), C(prometheus-nginx-exporter),
  C(prometheus-apache-exporter)) - the package, its unit, the command the unit runs (listening on O(listen) and O(port),
  with the flags of the installed O(version), since Debian 12's Apache exporter names its address differently), and the
  nftables table that keeps a listening address that is not loopback to the sources of O(allow).
- Fails with a message naming the variable for an unknown exporter, a port out of range, a listening address that is not
  an IP address, an entry of O(allow) that is not an address or network, and an address that is not loopback without O(allow).
options:
  _input:
    description: The exporter, V(node), V(nginx) or V(apache).
    type: str
    required: true
  port:
    description: Its TCP port.
    type: int
    required: true
  listen:
    description: The address it listens on; one that is not loopback needs O(allow).
    type: str
    default: 127.0.0.1
  allow:
    description: The sources (addresses or networks) that may scrape it besides the host itself.
    type: list
    elements: str
    default: []
  version:
    description: The installed version of its package (none before it is installed).
    type: str
  scrape_uri:
    description: For a web server's exporter, the URL of the server's status page on loopback.
    type: str
  prefix:
    description: The prefix of the variables the error messages name.
    type: str
    default: exporters
"""

EXAMPLES = r"""
- name: The node exporter's command
  ansible.builtin.debug:
    msg: "{{ ('node' | flaskstack.deploy.debian_exporter(9100)).command | join(' ') }}"
"""

RETURN = r"""
_value:
  description: >-
    V(name), V(package), V(unit), V(listen), V(port), V(allow), V(guarded) (whether firewall rules must keep other sources
    out), V(guard_table) and V(command) (the program and its flags).
  type: dict
"""

from ansible.errors import AnsibleFilterError
from ansible_collections.flaskstack.deploy.plugins.module_utils import metrics


def debian_exporter(name, port, listen=metrics.LISTEN, allow=(), version=None, scrape_uri=None, prefix="exporters"):
    """The exporter's settings."""
    try:
        return metrics.debian_exporter(name, port, listen, allow, version=version, scrape_uri=scrape_uri, prefix=prefix)
    except metrics.MetricsError as exc:
        raise AnsibleFilterError(str(exc)) from None


class FilterModule:
    """flaskstack.deploy.debian_exporter"""

    def filters(self):
        return {"debian_exporter": debian_exporter}
