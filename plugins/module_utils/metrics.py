# Copyright: contributors to flaskstack.deploy
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The host's metrics exporters: the applications' one (roles/app/files/metrics_exporter.py)
and Debian's exporters of the host and its web server (roles/exporters), their
settings, and the firewall rules that keep each to the sources the user lists.

Each application's WSGI entry point counts its requests (flaskstack_metrics.py
in every release) and answers them, at the layout's metrics_path, to whoever
shows the application's token; the exporter asks every application through the
web server on loopback, as the health gate does, and answers them merged.
"""

from __future__ import annotations

import ipaddress

LISTEN = "127.0.0.1"
# The nftables table of the exporter's rules (loaded before it listens on an address that is not loopback).
GUARD_TABLE = "flaskstack_metrics"


class MetricsError(ValueError):
    """Settings of the metrics that cannot work (the message says why)."""


def checked_port(port, variable="app_metrics_port"):
    if isinstance(port, bool) or not isinstance(port, int) and not str(port).isdigit() or not 1 <= int(port) <= 65535:
        raise MetricsError(f"{variable}: a TCP port (1 to 65535) is needed, not {port!r}.")
    return int(port)


def _networks(allow, variable="app_metrics_allow"):
    if isinstance(allow, (str, bytes)) or not isinstance(allow, (list, tuple)):
        raise MetricsError(f"{variable}: a list of addresses or networks is needed, not {allow!r}.")
    out = []
    for entry in allow:
        try:
            out.append(ipaddress.ip_network(str(entry), strict=False))
        except ValueError:
            raise MetricsError(f"{variable}: {entry!r} is not an IP address or network (such as 192.0.2.10 or 10.0.0.0/24).") from None
    return out


def _listening(listen, allow, prefix):
    """(address, networks) of an exporter that listens on LISTEN for ALLOW; the
    messages name the variables PREFIX_listen and PREFIX_allow."""
    try:
        address = ipaddress.ip_address(str(listen))
    except ValueError:
        raise MetricsError(
            f"{prefix}_listen: an IP address of the host is needed (127.0.0.1, or one a monitoring host reaches), not {listen!r}."
        ) from None
    networks = _networks(allow, f"{prefix}_allow")
    if not address.is_loopback and not networks:
        raise MetricsError(
            f"{prefix}_listen: {listen} is not a loopback address, and {prefix}_allow names no source: list the "
            "monitoring hosts that may scrape the metrics (addresses or networks); no list would open them to every network the host is on."
        )
    return address, networks


def exporter_settings(apps, port, listen=LISTEN, allow=(), timeout=5):
    """The exporter's settings file (JSON) from the applications' layouts: where
    it listens, which sources may scrape it ("allow"; "guarded" when rules
    must keep everyone else out) and what it asks each application."""
    port = checked_port(port)
    address, networks = _listening(listen, allow, "app_metrics")
    return {
        "listen": str(address),
        "port": port,
        "timeout": timeout,
        "allow": [str(n) for n in networks],
        "guarded": not address.is_loopback,
        "guard_table": GUARD_TABLE,
        "apps": [{"name": a["name"], "url": a["metrics_url"], "host": a["health_host"], "token_file": a["metrics_token_file"]} for a in apps],
    }


def guard_rules(settings):
    """The nftables rules (one table, replaced whole) that let only the listed
    sources, and the host itself, reach the exporter's port; any other gets a
    TCP reset."""
    v4 = [n for n in settings["allow"] if ipaddress.ip_network(n).version == 4]
    v6 = [n for n in settings["allow"] if ipaddress.ip_network(n).version == 6]
    port, table = settings["port"], settings["guard_table"]
    lines = [
        f"table inet {table}",
        f"delete table inet {table}",
        f"table inet {table} {{",
        "    chain input {",
        "        type filter hook input priority filter; policy accept;",
        f'        iifname "lo" tcp dport {port} accept',
    ]
    if v4:
        lines.append(f"        ip saddr {{ {', '.join(v4)} }} tcp dport {port} accept")
    if v6:
        lines.append(f"        ip6 saddr {{ {', '.join(v6)} }} tcp dport {port} accept")
    lines += [f"        tcp dport {port} reject with tcp reset", "    }", "}"]
    return "\n".join(lines) + "\n"


# Debian's exporters of the host and its web server: the package, its unit and
# program, and how each version takes its listening address and what it scrapes
# (flags that changed between Debian 12's and Debian 13's packages).
DEBIAN_EXPORTERS = {
    "node": {"package": "prometheus-node-exporter", "listen_flag": "--web.listen-address"},
    "nginx": {"package": "prometheus-nginx-exporter", "listen_flag": "--web.listen-address", "scrape_flag": "--nginx.scrape-uri"},
    # 0.x (Debian 12) names its address --telemetry.address; 1.x (Debian 13) uses
    # the exporter toolkit's --web.listen-address.
    "apache": {"package": "prometheus-apache-exporter", "listen_flag": "--web.listen-address", "old_listen_flag": "--telemetry.address",
               "scrape_flag": "--scrape_uri"},
}  # fmt: skip


def _major(version):
    """The major version of a Debian package version such as 0.12.0-1+b4 or 1:1.0.9-1 (0 when unknown)."""
    upstream = str(version or "").split(":", 1)[-1]
    head = upstream.split(".", 1)[0]
    return int(head) if head.isdigit() else 0


def debian_exporter(name, port, listen=LISTEN, allow=(), version=None, scrape_uri=None, prefix="exporters"):
    """The settings of one of Debian's exporters (NAME: node, nginx or apache)
    that listens on LISTEN:PORT for the host and ALLOW: its package, unit, the
    command its unit runs (VERSION: the package's installed version, for its
    flags; none before it is installed) and its firewall table. SCRAPE_URI:
    what a web server's exporter reads (its status page on loopback)."""
    if name not in DEBIAN_EXPORTERS:
        raise MetricsError(f"{prefix}: no exporter named {name!r} (known: {', '.join(sorted(DEBIAN_EXPORTERS))}).")
    known = DEBIAN_EXPORTERS[name]
    port = checked_port(port, f"{prefix}_{name}_port")
    address, networks = _listening(listen, allow, prefix)
    listen_flag = known["old_listen_flag"] if "old_listen_flag" in known and version and _major(version) < 1 else known["listen_flag"]
    where = f"[{address}]:{port}" if address.version == 6 else f"{address}:{port}"
    command = [f"/usr/bin/{known['package']}", f"{listen_flag}={where}"]
    if "scrape_flag" in known:
        if not scrape_uri:
            raise MetricsError(f"{prefix}: the {name} exporter needs the address of the status page it reads.")
        command.append(f"{known['scrape_flag']}={scrape_uri}")
    return {
        "name": name,
        "package": known["package"],
        "unit": f"{known['package']}.service",
        "listen": str(address),
        "port": port,
        "allow": [str(n) for n in networks],
        "guarded": not address.is_loopback,
        "guard_table": f"flaskstack_{name}_exporter",
        "command": command,
    }
