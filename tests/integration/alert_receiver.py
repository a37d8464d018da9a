"""A webhook receiver for Alertmanager in the lab (standard library only): every
alert it is sent is appended to --out as one JSON line (with the time it came),
until it has run --duration seconds."""

import argparse
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--listen", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=9099)
    parser.add_argument("--out", required=True)
    parser.add_argument("--duration", type=float, default=900)
    args = parser.parse_args()
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            try:
                message = json.loads(body)
            except ValueError:
                self.send_response(400)
                self.end_headers()
                return
            with lock, open(args.out, "a", encoding="utf-8") as handle:
                for alert in message.get("alerts", []):
                    handle.write(json.dumps({"received": time.time(), "status": alert.get("status"), "labels": alert.get("labels", {})}) + "\n")
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer((args.listen, args.port), Handler)
    threading.Timer(args.duration, server.shutdown).start()
    server.serve_forever()


if __name__ == "__main__":
    main()
