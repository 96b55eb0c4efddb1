"""A real SMTP server on loopback for Vetted's mail tests (aiosmtpd, Debian's python3-aiosmtpd).

Each message accepted is written to DIR as N.json: the envelope (mail_from, rcpt_tos), the
login that authenticated (if any), and the parsed message (from, to, subject, the text and HTML
parts decoded). Prints "ready" on stdout once it listens.

  python3 server.py --port PORT --dir DIR [--auth USER:PASSWORD] [--fail-first N] [--reject]
                   [--starttls CERT KEY | --tls CERT KEY]

--fail-first N answers the first N messages with 451 (a transient failure); --reject answers
every message with 550 (a permanent one). --starttls requires STARTTLS before anything else;
--tls speaks TLS from the first byte (SMTPS); both with the certificate and key given (PEM).
"""

import argparse
import json
import os
import signal
import ssl
import stat
import sys
import threading
import warnings
from email import policy
from email.parser import BytesParser

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


class Handler:
    def __init__(self, folder, fail_first, reject):
        self.folder = folder
        self.fail_first = fail_first
        self.reject = reject
        self.seen = 0
        self.kept = 0
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.seen += 1
            if self.reject:
                return "550 5.1.1 mailbox unavailable (test server)"
            if self.seen <= self.fail_first:
                return "451 4.3.0 try again later (test server)"
            self.kept += 1
            n = self.kept
        msg = BytesParser(policy=policy.default).parsebytes(envelope.original_content)
        text = msg.get_body(preferencelist=("plain",))
        html = msg.get_body(preferencelist=("html",))
        record = {
            "mail_from": envelope.mail_from,
            "rcpt_tos": envelope.rcpt_tos,
            "login": session.auth_data.login.decode()
            if isinstance(session.auth_data, LoginPassword)
            else None,
            "from": str(msg["From"]),
            "to": str(msg["To"]),
            "subject": str(msg["Subject"]),
            "text": text.get_content() if text is not None else None,
            "html": html.get_content() if html is not None else None,
        }
        path = os.path.join(self.folder, f"{n}.json")
        with open(path + ".tmp", "w", encoding="utf-8") as f:
            json.dump(record, f)
        os.rename(path + ".tmp", path)
        return "250 OK"


def main():
    # aiosmtpd warns that AUTH without TLS is unsafe: on loopback in a test it is the point.
    warnings.simplefilter("ignore")
    p = argparse.ArgumentParser()
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--dir", required=True)
    p.add_argument("--auth")
    p.add_argument("--fail-first", type=int, default=0)
    p.add_argument("--reject", action="store_true")
    p.add_argument("--starttls", nargs=2, metavar=("CERT", "KEY"))
    p.add_argument("--tls", nargs=2, metavar=("CERT", "KEY"))
    a = p.parse_args()

    kwargs = {}
    if a.auth:
        user, password = a.auth.split(":", 1)

        def authenticator(server, session, envelope, mechanism, auth_data):
            ok = (
                isinstance(auth_data, LoginPassword)
                and auth_data.login.decode() == user
                and auth_data.password.decode() == password
            )
            return AuthResult(success=ok, auth_data=auth_data if ok else None)

        kwargs = dict(
            authenticator=authenticator, auth_required=True, auth_require_tls=False
        )

    if a.starttls:
        ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ctx.load_cert_chain(*a.starttls)
        kwargs.update(tls_context=ctx, require_starttls=True)
        kwargs.pop("auth_require_tls", None)
    if a.tls:
        ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ctx.load_cert_chain(*a.tls)
        # aiosmtpd does not see that the whole connection is TLS: it would never offer AUTH.
        kwargs.update(ssl_context=ctx)
        if "authenticator" in kwargs:
            kwargs["auth_require_tls"] = False

    controller = Controller(
        Handler(a.dir, a.fail_first, a.reject),
        hostname="127.0.0.1",
        port=a.port,
        **kwargs,
    )
    controller.start()
    print("ready", flush=True)
    done = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: done.set())
    signal.signal(signal.SIGINT, lambda *_: done.set())
    # Also stop when the test process that started it goes away (its pipe to stdin closes);
    # a server started from a script with stdin from /dev/null runs until killed.
    if stat.S_ISFIFO(os.fstat(0).st_mode):
        threading.Thread(target=lambda: (sys.stdin.read(), done.set()), daemon=True).start()
    done.wait()
    controller.stop()


if __name__ == "__main__":
    main()
