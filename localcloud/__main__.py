"""``python -m localcloud [--port 8000]``: the platform on this machine, until Ctrl-C."""

from __future__ import annotations

import argparse
import json
import logging
import signal
import threading
import time

from localcloud.cloud import STATE_DIR, LocalCloud


def main() -> None:
    parser = argparse.ArgumentParser(description="Run the Bembos platform locally (the local cloud).")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--no-synth", action="store_true", help="reuse cdk.out as it is")
    parser.add_argument("--quiet", action="store_true", help="hide the functions' log lines")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s", datefmt="%H:%M:%S")

    started = time.monotonic()
    stop = threading.Event()
    cloud = LocalCloud(port=args.port, synth=not args.no_synth, quiet_functions=args.quiet)
    cloud.start()  # Ctrl-C here raises KeyboardInterrupt, and start() cleans up what it started
    # Explicit handlers from here on: a shell's background job inherits SIGINT as ignored.
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    try:
        print(f"\nBembos local cloud ready in {time.monotonic() - started:.1f} s  (URLs in {STATE_DIR}/urls.json)")
        for name, url in cloud.urls.to_json().items():
            print(f"  {name:13} {url}")
        print("\nDemo accounts:")
        print(json.dumps(cloud.credentials, indent=2, ensure_ascii=False))
        print("\nCtrl-C stops everything.")
        stop.wait()
    except KeyboardInterrupt:
        pass
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # a second Ctrl-C must not cut the clean-up short
        cloud.stop()
        print("local cloud stopped")


if __name__ == "__main__":
    main()
