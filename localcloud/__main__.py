"""``python -m localcloud [--port 8000]``: the platform on this machine, until Ctrl-C.

The console shows the banner (``localcloud.frontpage``: the same content as the front page), one line per
request, and warnings and errors; everything else goes to ``.localcloud/localcloud.log``, begun anew at
each start (``localcloud.console``). ``--verbose`` puts everything on the console instead.
"""

from __future__ import annotations

import argparse
import logging
import signal
import sys
import threading
import time

from localcloud import console, frontpage
from localcloud.cloud import STATE_DIR, LocalCloud

LOG_FILE = STATE_DIR / "localcloud.log"


def main() -> None:
    parser = argparse.ArgumentParser(description="Run the Bembos platform locally (the local cloud).")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--no-synth", action="store_true", help="reuse cdk.out as it is")
    parser.add_argument("--quiet", action="store_true", help="leave the functions' log lines out of the log")
    parser.add_argument("--verbose", action="store_true", help="every log line on the console, no log file")
    args = parser.parse_args()
    terminal = sys.stdout
    log_file = None
    if args.verbose:
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s", datefmt="%H:%M:%S")
    else:
        log_file = LOG_FILE
        console.route_logs(log_file, terminal)
        # What in-process code prints (the seed's Powertools lines) is logged too, not shown.
        sys.stdout = console.StdoutToLog(logging.getLogger("localcloud.stdout"))

    def say(text: str) -> None:
        print(text, file=terminal, flush=True)

    started = time.monotonic()
    stop = threading.Event()
    where = f" (registro completo en {LOG_FILE.relative_to(STATE_DIR.parent)})" if log_file else ""
    say(f"Iniciando la nube local de Bembos en el puerto {args.port}{where}...")
    cloud = LocalCloud(port=args.port, synth=not args.no_synth, quiet_functions=args.quiet, log_file=log_file)
    cloud.start()  # Ctrl-C here raises KeyboardInterrupt, and start() cleans up what it started
    # Explicit handlers from here on: a shell's background job inherits SIGINT as ignored.
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    try:
        say("\n" + frontpage.as_text(cloud.front_page(), ready_in=time.monotonic() - started) + "\n")
        stop.wait()
    except KeyboardInterrupt:
        pass
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # a second Ctrl-C must not cut the clean-up short
        cloud.stop()
        say("Nube local detenida.")


if __name__ == "__main__":
    main()
