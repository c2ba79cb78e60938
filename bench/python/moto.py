"""moto's server, the comparison point of the auth and storage benchmarks.

`ensure_venv()` installs the pinned `requirements.txt` into `bench/python/.venv` once;
`MotoServer` starts `moto_server` on a free loopback port and stops it on exit.
"""
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent
VENV = HERE / ".venv"
REQUIREMENTS = HERE / "requirements.txt"


def ensure_venv() -> Path:
    """Returns the venv's python, creating the venv when the requirements changed."""
    python = VENV / "bin" / "python"
    marker = VENV / "installed-requirements.txt"
    wanted = REQUIREMENTS.read_text()
    if python.exists() and marker.exists() and marker.read_text() == wanted:
        return python
    subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
    subprocess.run([str(python), "-m", "pip", "install", "-q", "-r", str(REQUIREMENTS)], check=True)
    marker.write_text(wanted)
    return python


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class MotoServer:
    """`with MotoServer() as url:` runs moto's server (all services) on loopback."""

    def __init__(self):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process = None

    def __enter__(self) -> str:
        python = ensure_venv()
        moto_server = python.parent / "moto_server"
        self.process = subprocess.Popen(
            [str(moto_server), "-H", "127.0.0.1", "-p", str(self.port)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(self.url + "/moto-api/", timeout=1).read()
                return self.url
            except Exception:
                time.sleep(0.1)
        self.__exit__(None, None, None)
        raise RuntimeError("moto_server did not start")

    def __exit__(self, *exc):
        if self.process:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
            self.process = None


if __name__ == "__main__":
    with MotoServer() as url:
        print(f"moto up at {url}")
