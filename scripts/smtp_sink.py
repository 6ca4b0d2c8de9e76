"""A mail sink for simm's tests: aiosmtpd on loopback, with STARTTLS and
AUTH, writing each delivered message to a folder.

Each message lands as <folder>/<n>.eml (written to a temporary name and
renamed, so a reader never sees half a file), with the envelope's sender
and recipients in X-Sink-* headers at its top.

Recipients whose local part starts with "reject" are refused at RCPT with
550, and those starting with "tempfail" with 451 the first two times they
are tried, so that the tests can see permanent failures and retries.

Usage: python smtp_sink.py PORT FOLDER CERT KEY USER PASSWORD
"""

import asyncio
import itertools
import os
import ssl
import sys

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


class Sink:
    def __init__(self, folder):
        self.folder = folder
        self.counter = itertools.count(len(os.listdir(folder)) + 1)
        self.tempfailed = {}

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        local = address.split("@", 1)[0].lower()
        if local.startswith("reject"):
            return "550 5.1.1 <%s>: mailbox unavailable" % address
        if local.startswith("tempfail"):
            tries = self.tempfailed.get(address, 0)
            if tries < 2:
                self.tempfailed[address] = tries + 1
                return "451 4.3.0 try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        number = next(self.counter)
        head = "X-Sink-From: %s\r\nX-Sink-To: %s\r\nX-Sink-TLS: %s\r\nX-Sink-Auth: %s\r\n" % (
            envelope.mail_from,
            ", ".join(envelope.rcpt_tos),
            "yes" if session.ssl else "no",
            auth_name(session),
        )
        path = os.path.join(self.folder, "%06d.eml" % number)
        partial = path + ".part"
        with open(partial, "wb") as out:
            out.write(head.encode())
            out.write(envelope.original_content)
        os.rename(partial, path)
        return "250 Message accepted for delivery"


def auth_name(session):
    data = getattr(session, "auth_data", None)
    if isinstance(data, bytes):
        return data.decode()
    return "" if data is None else str(data)


def authenticator(user, password):
    def check(server, session, envelope, mechanism, auth_data):
        if not isinstance(auth_data, LoginPassword):
            return AuthResult(success=False, handled=False)
        if auth_data.login.decode() == user and auth_data.password.decode() == password:
            return AuthResult(success=True, auth_data=auth_data.login)
        return AuthResult(success=False, handled=False)

    return check


def main():
    port, folder, cert, key, user, password = sys.argv[1:7]
    os.makedirs(folder, exist_ok=True)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    controller = Controller(
        Sink(folder),
        hostname="127.0.0.1",
        port=int(port),
        tls_context=context,
        authenticator=authenticator(user, password),
        auth_require_tls=True,
        # Clients may send without signing in; one that signs in must
        # give the right password.
        auth_required=False,
    )
    controller.start()
    print("smtp sink listening on 127.0.0.1:%s, writing to %s" % (port, folder), flush=True)
    try:
        asyncio.get_event_loop().run_forever()
    finally:
        controller.stop()


if __name__ == "__main__":
    main()
