"""Helpers of .ci/production, standard library and PyYAML only.

command NAME      the command line of a production step, read from the
                  deployment files so that CI runs what the image runs:
                  build (the Dockerfile's collectstatic RUN line, as
                  `sh -c`), web (the Dockerfile's CMD), migrate, worker and
                  beat (docker-compose.yml's `command:`). Printed as
                  NUL-separated arguments.
free-port         a TCP port free on 127.0.0.1 now.
secrets           the production secrets, fresh, as shell assignments.
smtp-sink PORT    an SMTP server on 127.0.0.1:PORT that accepts every
                  message and prints it (the worker's "report ready" email).
"""

from __future__ import annotations

import json
import secrets
import socket
import socketserver
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def dockerfile_instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) of the Dockerfile, continuation lines joined;
    comment lines inside a continuation are dropped, as Docker does."""
    instructions, current = [], ""
    for line in (ROOT / "Dockerfile").read_text().splitlines():
        if line.strip().startswith("#"):
            continue
        if line.rstrip().endswith("\\"):
            current += line.rstrip()[:-1] + " "
            continue
        current += line
        if current.strip():
            keyword, _, arguments = current.strip().partition(" ")
            instructions.append((keyword.upper(), arguments.strip()))
        current = ""
    return instructions


def command(name: str) -> list[str]:
    if name == "web":
        cmds = [args for keyword, args in dockerfile_instructions() if keyword == "CMD"]
        return json.loads(cmds[-1])
    if name == "build":
        runs = [a for k, a in dockerfile_instructions() if k == "RUN" and "collectstatic" in a]
        if len(runs) != 1:
            raise SystemExit("expected one RUN line with collectstatic in the Dockerfile")
        return ["sh", "-c", runs[0]]
    import yaml

    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    given = compose["services"][name]["command"]
    return given if isinstance(given, list) else ["sh", "-c", given]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def production_secrets() -> dict[str, str]:
    """What .env.example tells an administrator to generate, made anew each run."""
    from cryptography.fernet import Fernet

    return {
        "SECRET_KEY": secrets.token_urlsafe(50),
        "FIELD_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
        "BLIND_INDEX_KEY": secrets.token_urlsafe(32),
        "AUDIT_CHAIN_KEY": secrets.token_urlsafe(32),
        "DATABASE_APP_PASSWORD": secrets.token_hex(24),
        "DEMO_PASSWORD": secrets.token_urlsafe(18),
        # An authenticator secret as the apps make them: 160 bits of base32.
        "DEMO_TOTP_SECRET": "".join(
            secrets.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567") for _ in range(32)
        ),
    }


class SMTPSink(socketserver.StreamRequestHandler):
    """Just enough SMTP for Django's backend: EHLO, MAIL, RCPT, DATA, QUIT."""

    def reply(self, line: str) -> None:
        self.wfile.write(line.encode() + b"\r\n")

    def handle(self) -> None:
        self.reply("220 smtp-sink ready")
        while line := self.rfile.readline():
            verb = line.decode(errors="replace").strip().split(" ")[0].upper()
            if verb == "DATA":
                self.reply("354 end with <CRLF>.<CRLF>")
                message = []
                while (data := self.rfile.readline()) not in (b".\r\n", b".\n", b""):
                    message.append(data.decode(errors="replace").rstrip("\r\n"))
                print("---------- message", *message, "---------- end", sep="\n", flush=True)
                self.reply("250 queued")
            elif verb == "QUIT":
                self.reply("221 bye")
                return
            elif verb in ("EHLO", "HELO", "MAIL", "RCPT", "RSET", "NOOP"):
                self.reply("250 ok")
            else:
                self.reply("502 not implemented")


def main(argv: list[str]) -> None:
    what = argv[0]
    if what == "command":
        sys.stdout.write("\0".join(command(argv[1])) + "\0")
    elif what == "free-port":
        print(free_port())
    elif what == "secrets":
        for name, value in production_secrets().items():
            print(f"{name}={value}")
    elif what == "smtp-sink":
        socketserver.ThreadingTCPServer.allow_reuse_address = True
        with socketserver.ThreadingTCPServer(("127.0.0.1", int(argv[1])), SMTPSink) as server:
            server.serve_forever()
    else:
        raise SystemExit(__doc__)


if __name__ == "__main__":
    main(sys.argv[1:])
