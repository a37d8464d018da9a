"""Secrets kept in Ansible Vault reach the application and never Ansible's output.

A check-mode run on the converged host with the demo's secret replaced by a
vaulted value: the secrets file would change (so the value was decrypted and
rendered), and neither the value nor anything of it is printed at -vvv with --diff.
"""

import json
import os
import pathlib
import re
import subprocess
import sys

import pytest

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[3] / "tests" / "integration"))
from stacklib import ansible_playbook, hostvars, layout, raw_apps, runs_that_wrote  # noqa: E402,F401

# Vault's secrets are decrypted and hidden on the controller, before anything
# reaches the host: the same whatever the host's distribution, so checked on
# the first distribution of the run only.
pytestmark = pytest.mark.skipif(
    os.environ.get("MOLECULE_DISTRO", "bookworm") != (os.environ.get("FLASKSTACK_DISTROS") or "bookworm").split()[0],
    reason="decided on the controller: checked on the run's first distribution",
)

CANARY = "vaulted-canary-9f3b2c"


def test_a_vaulted_secret_is_used_and_never_printed(tmp_path, raw_apps):
    password = tmp_path / "vault-password"
    password.write_text("lab-vault-password\n")
    vaulted = subprocess.run(
        ["ansible-vault", "encrypt_string", "--vault-password-file", str(password), CANARY, "--name", "vault_demo_secret_key"],
        capture_output=True, text=True, check=True, timeout=60,
        env=dict(os.environ, ANSIBLE_VERBOSITY="0"),  # the scenario's ansible.cfg says -vvv
    ).stdout  # fmt: skip
    (tmp_path / "vault.yml").write_text(vaulted)
    apps = json.loads(json.dumps(raw_apps))
    apps[0]["secret_env"] = {"SECRET_KEY": "{{ vault_demo_secret_key }}"}
    (tmp_path / "apps.json").write_text(json.dumps({"flaskstack_apps": apps}))

    result = ansible_playbook(
        "--check", "--diff", "-vvv",
        "--vault-password-file", str(password),
        "-e", f"@{tmp_path / 'vault.yml'}",
        "-e", f"@{tmp_path / 'apps.json'}",
    )  # fmt: skip
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-3000:]
    demo = [a for a in layout.app_layouts(apps) if a["name"] == apps[0]["name"]][0]
    assert runs_that_wrote(output, demo["secrets_file"]), "the vaulted value did not reach the secrets file"
    assert CANARY not in output
