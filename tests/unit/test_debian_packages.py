"""Unit tests for installing Debian packages without python3-apt (module_utils/debian_packages.py)."""

import shutil
import subprocess

import pytest
from ansible_collections.flaskstack.deploy.plugins.module_utils import debian_packages

requires_apt = pytest.mark.skipif(not shutil.which("apt-get") or not shutil.which("dpkg-query"), reason="needs Debian's apt-get")


def run(argv):
    done = subprocess.run(argv, capture_output=True, text=True, check=False, env={"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", **debian_packages.APT_ENV})
    return done.returncode, done.stdout, done.stderr


class Recorder:
    """A runner that answers dpkg-query itself (nothing installed) and apt-get with
    the given answers, in order, and records the commands."""

    def __init__(self, *answers):
        self.answers = list(answers)
        self.commands = []

    def __call__(self, argv):
        if argv[0] == "dpkg-query":
            return 1, "", "dpkg-query: no packages found"
        self.commands.append(argv)
        return self.answers.pop(0)


@requires_apt
def test_installed_packages_are_left_alone():
    result = debian_packages.ensure(["dpkg", "apt"], run)
    assert (result["changed"], result["missing"], result["installed"]) == (False, [], [])


@requires_apt
def test_check_mode_says_what_would_be_installed_without_changing_the_host():
    name = "cowsay"
    assert run(["dpkg-query", "--show", name])[0] != 0, f"{name} is installed on this machine; the test needs a package that is not"
    result = debian_packages.ensure([name, "dpkg"], run, check_mode=True)
    assert result["changed"] and result["missing"] == [name]
    assert name in result["installed"]
    assert run(["dpkg-query", "--show", name])[0] != 0


def test_a_package_apt_does_not_know_yet_updates_the_lists_once():
    unknown = (100, "", "E: Unable to locate package nginx")
    runner = Recorder(unknown, (0, "", ""), (0, "Inst nginx (1.22)\nInst nginx-common (1.22)\n", ""))
    result = debian_packages.ensure(["nginx"], runner)
    assert [c[:2] for c in runner.commands] == [["apt-get", "install"], ["apt-get", "update"], ["apt-get", "install"]]
    assert result["changed"] and not result["failed"] and result["installed"] == ["nginx", "nginx-common"]


def test_a_package_that_does_not_exist_fails_after_one_update():
    unknown = (100, "", "E: Unable to locate package nginks")
    runner = Recorder(unknown, (0, "", ""), unknown)
    result = debian_packages.ensure(["nginks"], runner)
    assert result["failed"] and "apt-get could not install nginks" in result["msg"] and "Unable to locate package nginks" in result["msg"]
    assert len(runner.commands) == 3


def test_recommends_and_simulation_are_apt_get_options():
    argv = debian_packages.install_argv(["python3-pip"], install_recommends=False, simulate=True)
    assert argv[:2] == ["apt-get", "install"] and "--no-install-recommends" in argv and "--simulate" in argv and argv[-1] == "python3-pip"
    with pytest.raises(debian_packages.PackageError, match="'-o' are not Debian package names"):
        debian_packages.install_argv(["-o"])


def test_fresh_package_lists_are_not_fetched_again(tmp_path):
    (tmp_path / "deb.debian.org_debian_dists_bookworm_main_binary-amd64_Packages").write_text("")
    installed = (0, "Inst git (1:2.39)\n", "")
    runner = Recorder(installed)
    debian_packages.ensure(["git"], runner, update_cache=True, cache_valid_time=3600, lists_dir=str(tmp_path))
    assert [c[:2] for c in runner.commands] == [["apt-get", "install"]]
    runner = Recorder((0, "", ""), installed)
    debian_packages.ensure(["git"], runner, update_cache=True, cache_valid_time=3600, lists_dir=str(tmp_path / "none"))
    assert [c[:2] for c in runner.commands] == [["apt-get", "update"], ["apt-get", "install"]]
