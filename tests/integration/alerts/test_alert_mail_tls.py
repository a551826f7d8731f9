"""SMTP with STARTTLS and a login, against aiosmtpd on loopback with a certificate of its
own CA: the certificate is verified (an unknown CA fails the delivery, recorded on the
alert) and the password is only sent over TLS."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult
from alertkit import BASE, Mailbox, free_port, settings_for

from webgis.contract.alerts import Recipient, SendAlerts
from webgis.services import alerts


@pytest.fixture
def tls_smtp(tmp_path: Path) -> Iterator[tuple[Mailbox, str]]:
    if shutil.which("openssl") is None:
        pytest.skip("no openssl to make the test certificate")
    import ssl

    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                    "-keyout", str(key), "-out", str(cert), "-subj", "/CN=127.0.0.1",
                    "-addext", "subjectAltName=IP:127.0.0.1"],
                   check=True, capture_output=True)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    box = Mailbox("127.0.0.1", free_port())
    logins: list[tuple[str, str]] = []

    def authenticate(server, session, envelope, mechanism, auth_data):
        logins.append((auth_data.login.decode(), auth_data.password.decode()))
        ok = (auth_data.login, auth_data.password) == (b"gis", b"s3cret-mail")
        return AuthResult(success=ok)

    controller = Controller(box, hostname=box.host, port=box.port, tls_context=context,
                            require_starttls=True, authenticator=authenticate,
                            auth_require_tls=True)
    controller.start()
    box.logins = logins  # type: ignore[attr-defined]
    try:
        yield box, str(cert)
    finally:
        controller.stop()


def _send(incident, officer, settings):
    req = SendAlerts(expected_version=incident["version"],
                     recipients=[Recipient(key="640000", email="duty@nx.example")])
    return alerts.send_alerts(incident["id"], req, officer, settings, BASE)["alerts"][0]


def test_starttls_with_the_servers_ca_and_a_login(incident, officer, tls_smtp):
    box, cafile = tls_smtp
    alert = _send(incident, officer, settings_for(
        box, smtp_starttls=True, smtp_cafile=cafile, smtp_user="gis",
        smtp_password="s3cret-mail"))
    assert alert["email_status"] == "sent", alert["email_error"]
    assert box.logins == [("gis", "s3cret-mail")]  # type: ignore[attr-defined]
    [(rcpt, msg)] = box.messages
    assert rcpt == ["duty@nx.example"] and alert["ack_url"] in msg.get_content()


def test_an_unknown_ca_fails_the_delivery_not_the_request(
        incident, officer, tls_smtp):
    box, _ = tls_smtp
    alert = _send(incident, officer, settings_for(box, smtp_starttls=True))
    assert alert["email_status"] == "failed" and "CERTIFICATE_VERIFY_FAILED" in alert[
        "email_error"]
    assert box.messages == [] and box.logins == []  # type: ignore[attr-defined]


def test_without_starttls_the_server_refuses_and_no_password_is_sent(incident, officer,
                                                                      tls_smtp):
    box, _ = tls_smtp
    alert = _send(incident, officer, settings_for(box, smtp_user="gis",
                                                  smtp_password="s3cret-mail"))
    assert alert["email_status"] == "failed" and "SMTP" in alert["email_error"]
    assert box.messages == [] and box.logins == []  # type: ignore[attr-defined]
