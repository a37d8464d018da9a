"""The python role's contract: Python 3 that can make a virtualenv with pip, and no
compiler unless python_build_tools asks for one."""

import pytest


@pytest.fixture(scope="module")
def hostvars(host):
    return host.ansible.get_variables()


def test_python3_makes_a_virtualenv_with_a_working_pip(host):
    host.run("rm -rf /tmp/x")
    try:
        result = host.run("python3 -m venv /tmp/x && /tmp/x/bin/pip --version")
        assert result.rc == 0, result.stderr
        # pip runs from the new virtualenv, not from the system.
        assert "/tmp/x/lib/python3" in result.stdout, result.stdout
        # The virtualenv's interpreter is the distribution's Python 3.
        version = host.check_output("/tmp/x/bin/python -c 'import sys; print(sys.version_info[0])'")
        assert version == "3"
    finally:
        host.run("rm -rf /tmp/x")


def test_system_pip_is_installed(host):
    assert host.run("python3 -m pip --version").rc == 0


def test_no_build_tools_by_default(host, hostvars):
    assert not hostvars.get("python_build_tools", False), "this scenario tests the default"
    assert host.run("command -v gcc").rc != 0, "gcc is installed although python_build_tools is false"
    assert host.run("command -v cc").rc != 0
    for package in ("build-essential", "python3-dev"):
        assert not host.package(package).is_installed, f"{package} is installed although python_build_tools is false"
    # Without headers no C extension can be built.
    headers = host.run("python3 -c 'import sysconfig, os; print(os.path.exists(sysconfig.get_paths()[\"include\"] + \"/Python.h\"))'")
    assert headers.stdout.strip() == "False"
