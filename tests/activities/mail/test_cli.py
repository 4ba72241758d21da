"""`shangji mail-inbound` as an administrator runs it: a real process on a real port."""

import os
import signal
import smtplib
import subprocess
import sys

import pytest

from .conftest import free_port

SHANGJI = [sys.executable, "-m", "shangji.cli"]


@pytest.fixture
def home(tmp_path):
    env = {**os.environ, "SHANGJI_HOME": str(tmp_path), "DATABASE_URL": "", "LC_ALL": "C.UTF-8"}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    subprocess.run([*SHANGJI, "manage", "migrate", "-v0"], env=env, check=True)
    return env


def test_mail_inbound_needs_an_address_then_receives(home):
    refused = subprocess.run(
        [*SHANGJI, "mail-inbound", "--port", str(free_port())],
        env=home,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert refused.returncode == 1 and "inbound domain" in refused.stderr

    port = free_port()
    env = {**home, "EMAIL_INBOUND_DOMAIN": "crm.example"}
    process = subprocess.Popen(
        [*SHANGJI, "mail-inbound", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        banner = process.stdout.readline()
        assert f"127.0.0.1:{port}" in banner and "opp-<number>@crm.example" in banner
        with smtplib.SMTP("127.0.0.1", port, timeout=10) as client:
            client.ehlo()
            client.mail("someone@example.com")
            code, reply = client.rcpt("opp-1@crm.example")  # no such opportunity yet
            assert code == 550 and b"no such opportunity" in reply
    finally:
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=20) == 0
