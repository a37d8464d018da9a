#!/usr/bin/python3
"""The host's metrics exporter of the flaskstack applications.

Serves GET /metrics on the address and port of its settings (--config, a JSON
file: {"listen", "port", "apps": [{"name", "url", "host", "token_file"}]}).
For each scrape it asks every application, side by side, for its metrics
through the web server on loopback, as the health gate asks for its health
(health_gate.fetch, beside this file, with flaskstack_metrics.read_token), showing the application's token, and
answers them merged into one exposition: each metric family once, with the
samples of every application (each labelled app="NAME" by the application
itself), and flaskstack_app_up{app} (1: the application answered its metrics,
0: it did not) and flaskstack_app_scrape_duration_seconds{app}. An
application that does not answer leaves the others' metrics as they are.
Only Python's standard library: it runs with the host's own python3.
"""

import argparse
import http.server
import json
import os
import re
import socket
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import health_gate  # noqa: E402  (beside this file)
from flaskstack_metrics import read_token  # noqa: E402  (beside this file)

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
TOKEN_HEADER = "X-Flaskstack-Metrics-Token"
_SAMPLE = re.compile(r"^([a-zA-Z_:][a-zA-Z0-9_:]*)")
# The suffixes of a family's samples (a histogram's, a counter's).
_SUFFIXES = ("_bucket", "_count", "_sum", "_total", "_created", "_gcount", "_gsum", "_info")


def _family_of(sample_name, families):
    if sample_name in families:
        return sample_name
    for suffix in _SUFFIXES:
        if sample_name.endswith(suffix) and sample_name[: -len(suffix)] in families:
            return sample_name[: -len(suffix)]
    return sample_name


def merge(texts):
    """Prometheus text expositions (one per application) as one: each family's
    HELP and TYPE once, followed by its samples from every text."""
    order = []
    families = {}
    for text in texts:
        declared = {}
        for line in text.splitlines():
            if not line.strip():
                continue
            if line.startswith("#"):
                parts = line.split(None, 3)
                if len(parts) >= 3 and parts[1] in ("HELP", "TYPE"):
                    name = parts[2]
                    declared[name] = True
                    family = families.setdefault(name, {"HELP": None, "TYPE": None, "samples": []})
                    if name not in order:
                        order.append(name)
                    if family[parts[1]] is None:
                        family[parts[1]] = line
                continue
            match = _SAMPLE.match(line)
            if not match:
                continue
            name = _family_of(match.group(1), declared)
            family = families.setdefault(name, {"HELP": None, "TYPE": None, "samples": []})
            if name not in order:
                order.append(name)
            family["samples"].append(line)
    out = []
    for name in order:
        family = families[name]
        out += [line for line in (family["HELP"], family["TYPE"]) if line]
        out += family["samples"]
    return "\n".join(out) + "\n" if out else ""


def _label(value):
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def scrape(apps, timeout=5.0, fetch=health_gate.fetch):
    """Every application's metrics, asked side by side, merged: the exposition text."""
    results = [None] * len(apps)

    def one(index):
        app = apps[index]
        started = time.monotonic()
        status, _, body, _ = fetch(app["url"], app["host"], timeout, {TOKEN_HEADER: read_token(app["token_file"])})
        took = time.monotonic() - started
        # Only the application's own exposition counts (any other answer is the application's page).
        text = body.decode("utf-8", "replace") if status == 200 and body and body.startswith(b"# HELP ") else None
        results[index] = (app["name"], text, took)

    threads = [threading.Thread(target=one, args=(i,)) for i in range(len(apps))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    up = ["# HELP flaskstack_app_up Whether the application answered its metrics (1) or not (0).", "# TYPE flaskstack_app_up gauge"]
    took = [
        "# HELP flaskstack_app_scrape_duration_seconds How long the application took to answer its metrics.",
        "# TYPE flaskstack_app_scrape_duration_seconds gauge",
    ]
    for name, text, seconds in results:
        up.append(f'flaskstack_app_up{{app="{_label(name)}"}} {1 if text is not None else 0}')
        took.append(f'flaskstack_app_scrape_duration_seconds{{app="{_label(name)}"}} {seconds:.6f}')
    return merge([text for _, text, _ in results if text] + ["\n".join(up + took) + "\n"])


def serve(settings):
    apps = settings["apps"]

    class Handler(http.server.BaseHTTPRequestHandler):
        server_version = "flaskstack-metrics"
        sys_version = ""

        def do_GET(self):  # noqa: N802 - the name http.server calls
            if self.path.split("?", 1)[0] != "/metrics":
                self.send_error(404)
                return
            body = scrape(apps, float(settings.get("timeout", 5.0))).encode("utf-8")
            self.send_response(200)
            self.send_header("Content-Type", CONTENT_TYPE)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format, *args):  # noqa: A002 - http.server's signature
            pass

    server_class = http.server.ThreadingHTTPServer
    if ":" in settings["listen"]:
        server_class = type("ThreadingHTTPServer6", (http.server.ThreadingHTTPServer,), {"address_family": socket.AF_INET6})
    server = server_class((settings["listen"], int(settings["port"])), Handler)
    server.daemon_threads = True
    server.serve_forever()


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--config", required=True)
    args = parser.parse_args(argv)
    with open(args.config, encoding="utf-8") as handle:
        settings = json.load(handle)
    serve(settings)


if __name__ == "__main__":
    sys.exit(main())
