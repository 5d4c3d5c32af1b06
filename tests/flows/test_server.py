"""The background Prefect server's helpers: health, status, pid file, refusing a foreign server.

Starting a real server takes ~25 s here, so the full start/stop cycle is checked by hand (see
the report); these tests use the session's test server as the "already running" one.
"""

import os
import subprocess
import sys
from urllib.parse import urlsplit

import pytest

from flows.server import (
    TEMPORARY_PORTS,
    TemporaryServer,
    api_url,
    resident_api_url,
    server_environment,
    server_files,
    server_healthy,
    server_status,
    start_server,
    stop_server,
)
from flows.settings import Settings, prefect_environment

CLOSED_PORT = 9  # discard: nothing listens there


def test_server_environment_keeps_the_project_settings_and_names_the_api(tmp_path):
    environment = server_environment(Settings(data_dir=tmp_path), "127.0.0.1", 4300)
    assert environment["PREFECT_API_URL"] == "http://127.0.0.1:4300/api"
    assert environment["PREFECT_SERVER_API_PORT"] == "4300"
    assert environment["PREFECT_HOME"] == str(tmp_path / "prefect")
    assert environment["PREFECT_SERVER_ANALYTICS_ENABLED"] == "false"


def test_nothing_listening_is_not_healthy_and_reported_as_not_running(tmp_path):
    assert not server_healthy(api_url(port=CLOSED_PORT))
    settings = Settings(data_dir=tmp_path)
    assert server_status(settings, port=CLOSED_PORT) == "Prefect 服务没有运行（http://127.0.0.1:9/api）"
    assert stop_server(settings) is False


def test_a_stale_pid_file_is_cleared(tmp_path):
    settings = Settings(data_dir=tmp_path)
    finished = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                              capture_output=True, text=True, check=True)
    server_files(settings).pid.write_text(finished.stdout.strip(), encoding="utf-8")
    assert "没有运行" in server_status(settings, port=CLOSED_PORT)
    assert not server_files(settings).pid.exists()


@pytest.mark.prefect
def test_a_server_this_project_did_not_start_is_left_alone(prefect_harness, tmp_path):
    from prefect.settings import PREFECT_API_URL

    address = urlsplit(PREFECT_API_URL.value())
    settings = Settings(data_dir=tmp_path)
    assert server_healthy(PREFECT_API_URL.value())
    assert "不是本项目启动的进程" in server_status(
        settings, host=address.hostname, port=address.port
    )
    with pytest.raises(RuntimeError, match="不是本项目启动"):
        start_server(settings, host=address.hostname, port=address.port)
    assert not server_files(settings).pid.exists()


@pytest.mark.prefect
def test_commands_find_the_resident_server_only_while_it_runs_and_answers(
    prefect_harness, tmp_path
):
    """The session's test server stands in for one `prefect-server start` left running."""

    from prefect.settings import PREFECT_API_URL

    settings = Settings(data_dir=tmp_path)
    files = server_files(settings)
    assert resident_api_url(settings) is None
    files.pid.write_text(str(os.getpid()), encoding="utf-8")
    files.url.write_text(PREFECT_API_URL.value(), encoding="utf-8")
    assert resident_api_url(settings) == PREFECT_API_URL.value()
    files.url.write_text(api_url(port=CLOSED_PORT), encoding="utf-8")
    assert resident_api_url(settings) is None
    finished = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                              capture_output=True, text=True, check=True)
    files.pid.write_text(finished.stdout.strip(), encoding="utf-8")
    files.url.write_text(PREFECT_API_URL.value(), encoding="utf-8")
    assert resident_api_url(settings) is None  # its process is gone: not ours any more


def test_a_temporary_server_serves_the_projects_prefect_home_and_stops(tmp_path, monkeypatch):
    settings = Settings(data_dir=tmp_path)
    for name, value in prefect_environment(settings).items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("PREFECT_API_URL", "http://127.0.0.1:9/api")  # not passed to the server
    server = TemporaryServer()
    try:
        server.wait(timeout=120)
        assert server_healthy(server.url) and server.port in TEMPORARY_PORTS
        assert (tmp_path / "prefect" / "prefect.db").is_file()  # its database, in the project
    finally:
        server.stop()
    assert server.process.poll() is not None and not server_healthy(server.url)


def test_status_looks_where_the_projects_server_was_started(tmp_path):
    """`prefect-server start --port N` then `status`: the status asks port N, not 4200."""
    settings = Settings(data_dir=tmp_path)
    files = server_files(settings)
    files.pid.write_text(str(os.getpid()), encoding="utf-8")  # a process that exists
    files.url.write_text(api_url(port=CLOSED_PORT), encoding="utf-8")
    assert server_status(settings) == (
        f"Prefect 服务进程 {os.getpid()} 在运行，但 http://127.0.0.1:9/api 没有响应")
