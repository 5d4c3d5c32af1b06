"""A resident Prefect server for schedules: start it in the background, check it, stop it.

Prefect's local mode starts a temporary server that dies with its process, so a schedule needs a
server that keeps running. This module starts ``prefect server start`` with the project's
settings (:func:`flows.settings.prefect_environment`: ``PREFECT_HOME`` under the data directory,
analytics off), waits for its health endpoint and keeps its process id and log under the data
directory. It does not import Prefect: the caller sets ``PREFECT_API_URL`` from
:func:`api_url` before Prefect is first imported.
"""

from __future__ import annotations

import atexit
import importlib.util
import os
import random
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from flows.settings import Settings, prefect_environment

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 4200
START_TIMEOUT_SECONDS = 180.0
STOP_TIMEOUT_SECONDS = 30.0


@dataclass(frozen=True)
class ServerFiles:
    """Where the background server keeps its process id and its log."""

    pid: Path
    log: Path
    url: Path


def server_files(settings: Settings) -> ServerFiles:
    return ServerFiles(
        pid=settings.data_dir / "prefect-server.pid", log=settings.data_dir / "prefect-server.log",
        url=settings.data_dir / "prefect-server.url",
    )


def api_url(host: str = DEFAULT_HOST, port: int = DEFAULT_PORT) -> str:
    return f"http://{host}:{port}/api"


def server_environment(settings: Settings, host: str, port: int) -> dict[str, str]:
    """The project's Prefect settings plus where the server listens and where clients find it."""
    return prefect_environment(settings) | {
        "PREFECT_API_URL": api_url(host, port),
        "PREFECT_SERVER_API_HOST": host,
        "PREFECT_SERVER_API_PORT": str(port),
    }


def server_healthy(url: str, timeout: float = 2.0) -> bool:
    """Whether a Prefect server answers ``<url>/health`` (``url`` ends in ``/api``)."""
    try:
        with urllib.request.urlopen(f"{url}/health", timeout=timeout) as response:
            return response.status == 200
    except (urllib.error.URLError, OSError, ValueError):
        return False


def _alive(pid: int) -> bool:
    try:
        if os.waitpid(pid, os.WNOHANG)[0] == pid:  # our own child that has exited
            return False
    except ChildProcessError:
        pass
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _running_pid(files: ServerFiles) -> int | None:
    """The pid in the pid file if that process still exists; a stale file is removed."""
    try:
        pid = int(files.pid.read_text(encoding="utf-8").strip())
    except (FileNotFoundError, ValueError):
        return None
    if not _alive(pid):
        files.pid.unlink(missing_ok=True)
        return None
    return pid


def server_command(host: str, port: int) -> list[str]:
    return [sys.executable, "-m", "prefect", "server", "start", "--host", host,
            "--port", str(port)]


def start_server(
    settings: Settings,
    *,
    host: str = DEFAULT_HOST,
    port: int = DEFAULT_PORT,
    timeout: float = START_TIMEOUT_SECONDS,
) -> int:
    """Start the server in its own session unless one answers already; returns its pid.

    Waits until the health endpoint answers. Raises RuntimeError (with the log's path) when the
    server exits or does not answer within ``timeout`` seconds.
    """
    files = server_files(settings)
    url = api_url(host, port)
    pid = _running_pid(files)
    if server_healthy(url):
        if pid is None:
            raise RuntimeError(f"{url} 已有一个不是本项目启动的 Prefect 服务在运行，请换一个端口")
        return pid
    if pid is not None:
        raise RuntimeError(
            f"Prefect 服务进程 {pid} 仍在运行但 {url} 没有响应：请先停止它，日志见 {files.log}"
        )
    settings.prefect_home.mkdir(parents=True, exist_ok=True)
    with files.log.open("ab") as log:
        process = subprocess.Popen(
            server_command(host, port),
            env=os.environ | server_environment(settings, host, port),
            stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True,  # survives the command that started it
        )
    files.pid.write_text(str(process.pid), encoding="utf-8")
    files.url.write_text(url, encoding="utf-8")
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server_healthy(url):
            return process.pid
        if process.poll() is not None:
            files.pid.unlink(missing_ok=True)
            raise RuntimeError(
                f"Prefect 服务启动失败（退出码 {process.returncode}），日志见 {files.log}"
            )
        time.sleep(0.5)
    stop_server(settings)
    raise RuntimeError(f"Prefect 服务在 {timeout:.0f} 秒内没有响应，已停止；日志见 {files.log}")


# What Prefect's own temporary server (``SubprocessASGIServer``) sets: the API alone, without
# the UI or the background services a resident server runs.
TEMPORARY_SERVER_ENVIRONMENT = {
    "PREFECT_UI_ENABLED": "0", "PREFECT__SERVER_EPHEMERAL": "1", "PREFECT__SERVER_FINAL": "1",
}
PORT_IN_USE = 3  # uvicorn's exit status when another process took the port first
# Prefect's range for its temporary servers: below the ports the kernel hands out to outgoing
# connections, so none takes the port between choosing it and the server's binding it.
TEMPORARY_PORTS = range(8000, 9000)


def free_port(host: str = DEFAULT_HOST) -> int:
    """A port of :data:`TEMPORARY_PORTS` nothing listens on, tried in random order."""
    for port in random.sample(TEMPORARY_PORTS, len(TEMPORARY_PORTS)):
        with socket.socket() as probe:
            try:
                probe.bind((host, port))
            except OSError:
                continue
            return port
    raise RuntimeError(f"端口 {TEMPORARY_PORTS.start}-{TEMPORARY_PORTS.stop - 1} 都被占用")


class TemporaryServer:
    """Prefect's temporary server, started as Prefect starts it (uvicorn serving
    ``prefect.server.api.server:create_app`` on a free port of this machine) but without
    importing Prefect first: Prefect's ``SubprocessASGIServer`` needs ``prefect.server``,
    seconds of imports before the server's own seconds of start-up could even begin.

    Stopped when this process exits; clients find it through ``PREFECT_API_URL`` (:attr:`url`),
    which must be set before Prefect is first imported."""

    def __init__(self, host: str = DEFAULT_HOST) -> None:
        self.host = host
        self.port = free_port(host)
        self.process = self._spawn()
        atexit.register(self.stop)

    @property
    def url(self) -> str:
        return api_url(self.host, self.port)

    def _spawn(self) -> subprocess.Popen[bytes]:
        spec = importlib.util.find_spec("prefect")
        if spec is None or spec.origin is None:
            raise RuntimeError("没有安装 Prefect")
        command = [sys.executable, "-m", "uvicorn",
                   "--app-dir", str(Path(spec.origin).parent.parent),
                   "--factory", "prefect.server.api.server:create_app",
                   "--host", self.host, "--port", str(self.port),
                   "--log-level", "error", "--lifespan", "on"]
        environment = {name: value for name, value in os.environ.items()
                       if name != "PREFECT_API_URL"} | TEMPORARY_SERVER_ENVIRONMENT
        return subprocess.Popen(command, env=environment, stdin=subprocess.DEVNULL)

    def wait(self, timeout: float = START_TIMEOUT_SECONDS) -> None:
        """Return once the server answers; RuntimeError if it exits or stays silent."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if server_healthy(self.url, timeout=1.0):
                return
            status = self.process.poll()
            if status == PORT_IN_USE:  # clients know this port already: no other will do
                raise RuntimeError(f"Prefect 临时服务的端口 {self.port} 刚被占用，请重试")
            if status is not None:
                raise RuntimeError(f"Prefect 临时服务启动失败（退出码 {status}）")
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"Prefect 临时服务在 {timeout:.0f} 秒内没有响应，已停止")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def resident_api_url(settings: Settings) -> str | None:
    """The API of the resident server this project started, if it runs and answers.

    Commands that run a flow use it instead of starting Prefect's temporary server: they skip
    its start-up (seconds on a small machine) and their runs show in the server's UI."""
    files = server_files(settings)
    if _running_pid(files) is None:
        return None
    try:
        url = files.url.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        return None
    return url if server_healthy(url) else None


def stop_server(settings: Settings, timeout: float = STOP_TIMEOUT_SECONDS) -> bool:
    """Stop the server this project started (its whole process group); False if none ran."""
    files = server_files(settings)
    pid = _running_pid(files)
    if pid is None:
        return False
    os.killpg(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not _alive(pid):
            break
        time.sleep(0.2)
    else:
        os.killpg(pid, signal.SIGKILL)
    files.pid.unlink(missing_ok=True)
    files.url.unlink(missing_ok=True)
    return True


def server_status(settings: Settings, host: str = DEFAULT_HOST, port: int | None = None) -> str:
    """One line in Chinese: whether the server runs, where, and its pid. Without a ``port``,
    the address the project's running server was started on (else the default port)."""
    files = server_files(settings)
    pid = _running_pid(files)
    url = api_url(host, port or DEFAULT_PORT)
    if port is None and pid is not None and files.url.exists():
        url = files.url.read_text(encoding="utf-8").strip()
    if server_healthy(url):
        owner = f"进程 {pid}" if pid is not None else "不是本项目启动的进程"
        return f"Prefect 服务正在运行：{url}（{owner}）"
    if pid is not None:
        return f"Prefect 服务进程 {pid} 在运行，但 {url} 没有响应"
    return f"Prefect 服务没有运行（{url}）"
