# Copyright: contributors to flaskstack.deploy
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The filter flaskstack.deploy.container_build_files: the Dockerfiles of a release of the container runtime (the logic is in plugins/module_utils/containers.py)."""

from __future__ import annotations

DOCUMENTATION = r"""
name: container_build_files
author: flaskstack.deploy contributors
version_added: 0.3.0
short_description: The Dockerfiles of a release of the container runtime
description:
- The files of the release's build directory - C(env.Dockerfile) (its dependency environment's image on the base image),
  C(Dockerfile) (the release's image), and pip's settings and CA bundle when given.
options:
  _input:
    description: A release from P(flaskstack.deploy.app_release#filter).
    type: dict
    required: true
  base_image:
    description: The base image, unless the application names its own (C(image.base)).
    type: str
    required: true
  pip_conf:
    description: pip's settings (the text of C(pip.conf)).
    type: str
  pip_ca:
    description: The CA bundle pip trusts (PEM text).
    type: str
  image_ids:
    description: Per application name, the id of its given image (pulled or loaded), for a release on a given image.
    type: dict
"""

EXAMPLES = r"""
- name: Write the Dockerfiles
  flaskstack.deploy.copy_tree:
    dest: "{{ release.dir }}/.flaskstack-build"
    files: "{{ release | flaskstack.deploy.container_build_files('python:3.13-slim') }}"
"""

RETURN = r"""
_value:
  description: File name to content.
  type: dict
"""

from ansible.errors import AnsibleFilterError
from ansible_collections.flaskstack.deploy.plugins.module_utils import containers


def container_build_files(release, base_image, pip_conf="", pip_ca="", image_ids=None):
    """The files of a release's build directory."""
    try:
        return containers.build_files(release, base_image, pip_conf or "", pip_ca or "", image_ids)
    except containers.ContainerError as exc:
        raise AnsibleFilterError(str(exc)) from None


class FilterModule:
    """flaskstack.deploy.container_build_files"""

    def filters(self):
        return {"container_build_files": container_build_files}
