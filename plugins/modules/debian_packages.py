#!/usr/bin/python
# Copyright: contributors to flaskstack.deploy
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Install Debian packages with apt-get; check mode without python3-apt."""

from __future__ import annotations

DOCUMENTATION = r"""
module: debian_packages
author: flaskstack.deploy contributors
version_added: "0.2.0"
short_description: Install Debian packages with apt-get, with a check mode that needs no python3-apt
description:
  - Installs the packages of O(name) that are not installed (C(dpkg-query) tells), with C(apt-get install), without
    questions; a package's changed configuration file keeps the host's version. Packages that are installed are left
    as they are (never upgraded).
  - Needs neither python3-apt nor anything else on the host besides Debian's own C(apt-get) and C(dpkg-query), so that
    C(--check) works on a host that was never set up, where M(ansible.builtin.apt) stops with
    C(python3-apt must be installed to use check mode). In check mode it reports the packages that
    C(apt-get install --simulate) would install, without changing the host.
  - When apt-get does not know a package (package lists never fetched, or old), it runs C(apt-get update) once and
    tries again.
options:
  name:
    description: The packages.
    type: list
    elements: str
    required: true
  install_recommends:
    description: Install the packages' recommended packages too (apt-get's default).
    type: bool
    default: true
  update_cache:
    description: Run C(apt-get update) before installing (only when a package is missing).
    type: bool
    default: false
  cache_valid_time:
    description: With O(update_cache), package lists younger than this many seconds are not fetched again.
    type: int
    default: 0
attributes:
  check_mode:
    support: full
  diff_mode:
    support: full
    details: The diff lists the packages that are (or would be) installed.
"""

EXAMPLES = r"""
- name: Install Nginx
  flaskstack.deploy.debian_packages:
    name: [nginx]
"""

RETURN = r"""
missing:
  description: The packages of O(name) that were not installed.
  type: list
  elements: str
  returned: always
installed:
  description: The packages apt-get installed (in check mode, would install), those it brought along included.
  type: list
  elements: str
  returned: always
"""

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.flaskstack.deploy.plugins.module_utils import debian_packages


def main():
    module = AnsibleModule(
        argument_spec={
            "name": {"type": "list", "elements": "str", "required": True},
            "install_recommends": {"type": "bool", "default": True},
            "update_cache": {"type": "bool", "default": False},
            "cache_valid_time": {"type": "int", "default": 0},
        },
        supports_check_mode=True,
    )

    def run(argv):
        return module.run_command(argv, environ_update=debian_packages.APT_ENV)

    try:
        result = debian_packages.ensure(
            module.params["name"],
            run,
            check_mode=module.check_mode,
            install_recommends=module.params["install_recommends"],
            update_cache=module.params["update_cache"],
            cache_valid_time=module.params["cache_valid_time"],
        )
    except debian_packages.PackageError as exc:
        module.fail_json(msg=str(exc))
    if module._diff and result["installed"]:
        result["diff"] = {"before": "", "after": "".join(f"{name}\n" for name in result["installed"]), "after_header": "installed packages"}
    if result.pop("failed"):
        module.fail_json(**result)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
