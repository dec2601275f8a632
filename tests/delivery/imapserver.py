"""A minimal IMAP4rev1 server on 127.0.0.1 (LOGIN, EXAMINE/SELECT, SEARCH ALL, FETCH, LOGOUT) for the bounce import.

Just enough of RFC 3501 for the stdlib `imaplib` client to read a mailbox;
it records the commands it received so a test can check nothing was changed.
"""

from __future__ import annotations

import socketserver
import threading
from contextlib import contextmanager


@contextmanager
def imap_server(messages: list[bytes], user: str, password: str):
    """Yields (port, commands seen); stops by itself at the end of the block."""
    seen: list[str] = []

    class Handler(socketserver.StreamRequestHandler):
        def send(self, text: str | bytes) -> None:
            self.wfile.write(text if isinstance(text, bytes) else text.encode("utf-8"))

        def handle(self):
            self.send("* OK [CAPABILITY IMAP4rev1] test server ready\r\n")
            logged_in = False
            while line := self.rfile.readline():
                tag, _, rest = line.decode("utf-8").rstrip("\r\n").partition(" ")
                command, _, args = rest.partition(" ")
                command = command.upper()
                seen.append(command)
                if command == "CAPABILITY":
                    self.send(f"* CAPABILITY IMAP4rev1\r\n{tag} OK CAPABILITY done\r\n")
                elif command == "LOGIN":
                    given = [part.strip('"') for part in args.split(" ", 1)]
                    logged_in = given == [user, password]
                    self.send(f"{tag} OK LOGIN done\r\n" if logged_in else f"{tag} NO [AUTHENTICATIONFAILED] bad\r\n")
                elif not logged_in:
                    self.send(f"{tag} BAD log in first\r\n")
                elif command in ("SELECT", "EXAMINE"):
                    mode = "READ-ONLY" if command == "EXAMINE" else "READ-WRITE"
                    self.send(f"* {len(messages)} EXISTS\r\n* 0 RECENT\r\n{tag} OK [{mode}] {command} done\r\n")
                elif command == "SEARCH":
                    numbers = " ".join(str(n) for n in range(1, len(messages) + 1))
                    self.send(f"* SEARCH {numbers}\r\n{tag} OK SEARCH done\r\n")
                elif command == "FETCH":
                    number = int(args.split(" ", 1)[0])
                    data = messages[number - 1]
                    self.send(f"* {number} FETCH (BODY[] {{{len(data)}}}\r\n".encode("ascii") + data + b")\r\n")
                    self.send(f"{tag} OK FETCH done\r\n")
                elif command == "LOGOUT":
                    self.send(f"* BYE see you\r\n{tag} OK LOGOUT done\r\n")
                    return
                else:
                    self.send(f"{tag} BAD unknown command\r\n")

    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1], seen
    finally:
        server.shutdown()
        server.server_close()
