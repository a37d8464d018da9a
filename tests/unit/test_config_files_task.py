"""The config_files action and module together, in a real ansible-playbook run on
this machine: a secret file's text is written but never printed (not at -vvv,
not with --diff), while its path, owner and mode, which are not secret, are."""

import os
import pathlib
import subprocess
import sys

import yaml

ROOT = pathlib.Path(__file__).resolve().parents[2]
CANARY = "s3cr3t-canary-5d1e"


def run_playbook(tmp_path, *args):
    playbook = tmp_path / "play.yml"
    playbook.write_text(yaml.safe_dump([{
        "hosts": "localhost",
        "gather_facts": False,
        "tasks": [{"flaskstack.deploy.config_files": {
            "directories": [{"path": str(tmp_path / "etc"), "mode": "0750"}],
            "files": [
                {"dest": str(tmp_path / "etc" / "app.env"), "content": "GREETING=hello\n", "mode": "0640"},
                {"dest": str(tmp_path / "etc" / "secrets.env"), "content": f"KEY={CANARY}\n", "mode": "0600", "secret": True},
            ],
        }}],
    }]))  # fmt: skip
    env = dict(os.environ, ANSIBLE_CONFIG=str(ROOT / "ansible.cfg"), ANSIBLE_NOCOLOR="1")
    return subprocess.run(
        [str(pathlib.Path(sys.executable).with_name("ansible-playbook")), "-i", "localhost,", "-c", "local",
         "-e", f"ansible_python_interpreter={sys.executable}", str(playbook), *args],
        capture_output=True, text=True, env=env, timeout=120, cwd=ROOT,
    )  # fmt: skip


def test_a_secret_file_is_written_and_its_text_never_printed(tmp_path):
    result = run_playbook(tmp_path, "--diff", "-vvv")
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-3000:]
    secret = tmp_path / "etc" / "secrets.env"
    assert secret.read_text() == f"KEY={CANARY}\n" and secret.stat().st_mode & 0o777 == 0o600
    assert CANARY not in output
    assert "(secret: not shown)" in output
    # What is not secret is shown as it is, not masked.
    assert str(secret) in output and "'0600'" in output and "GREETING=hello" in output
    # Check mode with nothing to change reports nothing.
    again = run_playbook(tmp_path, "--check", "--diff")
    assert again.returncode == 0 and "changed=0" in again.stdout, again.stdout[-2000:]
