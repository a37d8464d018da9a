#!/usr/bin/python3
"""The health gate of a deploy: run on the host after a switch.

Asks URL (with a Host header, and for https that name in TLS's SNI, so that
the web server picks the application's certificate) until, for SETTLE seconds in a row, every answer
is a 200 that names RELEASE in its X-Flaskstack-Release header; any other
answer starts the count again. Gives up after TIMEOUT seconds. Prints one JSON
line (what it saw) and exits 0 on success, 1 when the time ran out.
Only Python's standard library: it runs with the host's own python3.
"""

import argparse
import http.client
import json
import socket
import ssl
import sys
import time
import urllib.parse


# The certificate is not checked: the gate asks the web server on loopback about
# the application's health; the certificate is the web server's business. One
# context for every request (a new one would load the CA store each time).
_TLS = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
_TLS.check_hostname = False
_TLS.verify_mode = ssl.CERT_NONE


class _NamedHTTPSConnection(http.client.HTTPSConnection):
    """HTTPS to an address, with another name in SNI."""

    def __init__(self, address, port, server_name, timeout):
        super().__init__(address, port, timeout=timeout, context=_TLS)
        self._server_name = server_name

    def connect(self):
        sock = socket.create_connection((self.host, self.port), self.timeout)
        self.sock = _TLS.wrap_socket(sock, server_hostname=self._server_name)


def ask(url, host, timeout):
    """One GET: (status, release, error)."""
    parts = urllib.parse.urlsplit(url)
    if parts.scheme == "https":
        conn = _NamedHTTPSConnection(parts.hostname, parts.port or 443, host.split(":")[0], timeout)
    else:
        conn = http.client.HTTPConnection(parts.hostname, parts.port or 80, timeout=timeout)
    try:
        conn.request("GET", parts.path or "/", headers={"Host": host, "Connection": "close"})
        response = conn.getresponse()
        response.read()
        return response.status, response.getheader("X-Flaskstack-Release"), None
    except OSError as exc:
        return None, None, f"{type(exc).__name__}: {exc}"
    finally:
        conn.close()


def gate(url, host, release, timeout=60.0, settle=3.0, pause=0.2, clock=time.monotonic, sleep=time.sleep):
    """Wait for RELEASE to be healthy; return (passed, report)."""
    start = clock()
    healthy_since = None
    report = {"url": url, "release": release, "requests": 0, "healthy_answers": 0}
    while True:
        status, seen, error = ask(url, host, timeout=min(10.0, max(timeout, 1.0)))
        now = clock()
        report.update(requests=report["requests"] + 1, last_status=status, last_release=seen, last_error=error)
        if status == 200 and seen == release:
            report["healthy_answers"] += 1
            healthy_since = now if healthy_since is None else healthy_since
            if now - healthy_since >= settle:
                report["seconds"] = round(now - start, 1)
                return True, report
        else:
            healthy_since = None
        if now - start >= timeout:
            report["seconds"] = round(now - start, 1)
            return False, report
        sleep(pause)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--url", required=True)
    parser.add_argument("--host", required=True)
    parser.add_argument("--release", required=True)
    parser.add_argument("--timeout", type=float, default=60.0)
    parser.add_argument("--settle", type=float, default=3.0)
    parser.add_argument("--pause", type=float, default=0.2)
    args = parser.parse_args(argv)
    passed, report = gate(args.url, args.host, args.release, args.timeout, args.settle, args.pause)
    report["passed"] = passed
    print(json.dumps(report))
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
