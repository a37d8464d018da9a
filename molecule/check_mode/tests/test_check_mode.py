"""site.yml --check --diff on a host that was never converged (and has no
python3-apt): it completes, reports what a real run would do, and changes nothing."""

import json
import os
import re
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(REPO / "tests" / "integration"))
from stacklib import ansible_playbook  # noqa: E402

FIGURES = REPO / ".cache" / "deploy-figures"


def test_check_mode_on_a_fresh_host_reports_the_changes_and_changes_nothing(host):
    assert not host.package("python3-apt").is_installed
    before = host.check_output("dpkg-query --show --showformat='${Package}\\n' | sort | sha256sum")
    started = time.monotonic()
    result = ansible_playbook("--check", "--diff")
    seconds = time.monotonic() - started
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-4000:]
    recap = result.stdout[result.stdout.rindex("PLAY RECAP"):]
    assert re.search(r"failed=0\s", recap), recap
    changed = int(re.search(r"changed=(\d+)", recap).group(1))
    assert changed > 0, recap
    # What a real run would do: the packages, the users, the web server's sites.
    assert "python3-apt must be installed" not in output
    for expected in ("nginx", "/etc/nginx/sites-available/flaskstack-demo.conf", "/etc/flaskstack/demo/app.env"):
        assert expected in result.stdout, f"{expected} is not among the reported changes"
    # And nothing happened.
    assert host.check_output("dpkg-query --show --showformat='${Package}\\n' | sort | sha256sum") == before
    assert not host.package("nginx").is_installed
    assert not host.file("/srv/flaskstack").exists and not host.file("/etc/flaskstack").exists
    assert not host.user("demo").exists
    name = f"{os.environ.get('MOLECULE_SCENARIO_NAME', 'check_mode')}-{os.environ.get('MOLECULE_DISTRO', 'bookworm')}"
    FIGURES.mkdir(parents=True, exist_ok=True)
    (FIGURES / f"{name}.json").write_text(json.dumps({"site.yml --check --diff, fresh host": {"seconds": round(seconds, 1), "changed": changed}}))
