#!/usr/bin/python
# Copyright: contributors to flaskstack.deploy
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Pull or load the given images of applications, and say which image each is."""

from __future__ import annotations

DOCUMENTATION = r"""
module: container_image
author: flaskstack.deploy contributors
version_added: "0.3.0"
short_description: Pull or load the images that applications of the container runtime are given
description:
  - For each application of O(apps), pulls its C(image_reference) from its registry (logged in with the credentials
    O(registries) has for it, in a configuration of this run only, none of them staying on the host) or loads its image archive,
    its C(image_archive_copy) on the host (a C(docker save) archive) unless the image it holds (its C(manifest.json) names it)
    is on the host already; returns the id of each one's image.
  - Runs the C(docker) command on the host, as root.
options:
  apps:
    description: The applications, entries of P(flaskstack.deploy.app_layouts#filter) with C(image_reference) or C(image_archive).
    type: list
    elements: dict
    required: true
  registries:
    description: Credentials, each V(registry) (a host name, with its port if any), V(username), V(password).
    type: list
    elements: dict
    default: []
attributes:
  check_mode:
    support: full
    details: Pulls and loads nothing; returns the ids of the images already on the host.
  diff_mode:
    support: none
"""

EXAMPLES = r"""
- name: Pull the shop's image
  flaskstack.deploy.container_image:
    apps: "{{ layouts | selectattr('image_given') }}"
    registries:
      - {registry: registry.example.com, username: deploy, password: "{{ vault_registry_password }}"}
"""

RETURN = r"""
ids:
  description: Per application name, the id of its image (C(sha256:...)); in check mode, V(unknown) for one not on the host.
  type: dict
  returned: always
"""

import os
import re
import shutil
import subprocess
import tempfile

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.flaskstack.deploy.plugins.module_utils import containers



def run(argv, env=None, stdin=None):
    done = subprocess.run(argv, input=stdin, capture_output=True, env=env, check=False)
    return done.returncode, done.stdout.decode("utf-8", "replace"), done.stderr.decode("utf-8", "replace")


def image_id(reference, env=None):
    rc, out, _ = run(["docker", "image", "inspect", "--format", "{{.Id}}", reference], env)
    return out.strip() if rc == 0 else ""


def registry_of(reference):
    first = reference.split("/", 1)[0]
    if "/" in reference and ("." in first or ":" in first or first == "localhost"):
        return first
    return "docker.io"


def main():
    module = AnsibleModule(
        argument_spec={
            "apps": {"type": "list", "elements": "dict", "required": True},
            "registries": {
                "type": "list",
                "elements": "dict",
                "default": [],
                "no_log": True,
                "options": {
                    "registry": {"type": "str", "required": True},
                    "username": {"type": "str", "required": True},
                    "password": {"type": "str", "required": True, "no_log": True},
                },
            },
        },
        supports_check_mode=True,
    )
    if shutil.which("docker") is None:
        if module.check_mode:
            module.exit_json(changed=True, ids={app["name"]: "unknown" for app in module.params["apps"]})
        module.fail_json(msg="the docker command is not on this host: run site.yml (the container role installs the engine).")
    ids, changed, errors = {}, False, []
    credentials = {r["registry"]: r for r in module.params["registries"]}
    config = tempfile.mkdtemp(prefix="flaskstack-docker-")
    env = dict(os.environ, DOCKER_CONFIG=config)
    try:
        for app in module.params["apps"]:
            name = app["name"]
            image = {"reference": app.get("image_reference"), "archive": app.get("image_archive_copy")}
            if image.get("archive"):
                # The image in the archive is on the host already: nothing to load.
                inside = containers.archive_image_id(image["archive"])
                if inside and image_id(inside, env) == inside:
                    ids[name] = inside
                    continue
                if module.check_mode:
                    ids[name] = "unknown"
                    changed = True
                    continue
                rc, out, err = run(["docker", "load", "--input", image["archive"]], env)
                found = re.findall(r"Loaded image(?: ID)?: (\S+)", out)
                if rc != 0 or not found:
                    errors.append(f"{name}: the image archive {image['archive']} could not be loaded: {(err or out).strip()}")
                    continue
                ids[name] = image_id(found[-1], env)
                continue
            reference = image["reference"]
            before = image_id(reference, env)
            if module.check_mode:
                ids[name] = before or "unknown"
                changed = changed or not before
                continue
            login = credentials.get(registry_of(reference))
            if login:
                rc, _, err = run(
                    ["docker", "login", "--username", login["username"], "--password-stdin", login["registry"]], env,
                    stdin=login["password"].encode(),
                )  # fmt: skip
                if rc != 0:
                    errors.append(f"{name}: the login to {login['registry']} as {login['username']} failed: {err.strip()}")
                    continue
            rc, out, err = run(["docker", "pull", "--quiet", reference], env)
            if rc != 0:
                errors.append(f"{name}: {reference} could not be pulled: {(err or out).strip()}")
                continue
            ids[name] = image_id(reference, env)
            changed = changed or ids[name] != before
    finally:
        shutil.rmtree(config, ignore_errors=True)
    if errors:
        module.fail_json(msg=" ".join(errors), ids=ids, changed=changed)
    module.exit_json(changed=changed, ids=ids)


if __name__ == "__main__":
    main()
