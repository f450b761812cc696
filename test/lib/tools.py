"""Running Tessel's tools from the test scripts."""

import subprocess
import sys


def run(command):
    """Runs `command`; returns its stdout, or on failure writes its stderr
    and exits with a FAIL line naming the command and its status."""
    r = subprocess.run(command, capture_output=True, text=True)
    if r.returncode != 0:
        sys.stderr.write(r.stderr)
        sys.exit(f"FAIL: {' '.join(command)} exited with {r.returncode}")
    return r.stdout
