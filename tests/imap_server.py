"""A small IMAP4rev1 server over TLS on loopback, for testing the IMAP inbox source for real.

asyncio + ssl with a self-signed certificate made at start with `cryptography`
(names localhost and 127.0.0.1); `client_context()` gives an SSL context that
trusts exactly that certificate, so the client verifies it like a real one.

It speaks what a read-only client needs: CAPABILITY, LOGIN, SELECT/EXAMINE,
UID SEARCH, UID FETCH (UID, RFC822.SIZE, BODY[]/BODY.PEEK[], BODY[HEADER] and
HEADER.FIELDS), NOOP, LOGOUT. Every command is recorded in `commands`, and a
non-PEEK body fetch marks a message \\Seen (in `seen`), so tests can prove the
client changed nothing.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import ipaddress
import re
import ssl
import threading
from dataclasses import dataclass, field
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID


def make_certificate(folder: Path) -> tuple[Path, Path]:
    """A throwaway self-signed certificate for localhost and 127.0.0.1: (cert.pem, key.pem)."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    folder.mkdir(parents=True, exist_ok=True)
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


@dataclass
class ImapTestServer:
    """IMAP over TLS on 127.0.0.1 with one user and folders of raw messages."""

    folder: Path
    user: str = "social@example.org"
    password: str = "s3cret pass"
    folders: dict[str, list[bytes]] = field(default_factory=dict)
    first_uid: int = 101
    uidvalidity: int = 7
    commands: list[str] = field(default_factory=list)
    seen: set[tuple[str, int]] = field(default_factory=set)
    port: int = 0

    def __post_init__(self) -> None:
        self.cert_path, self.key_path = make_certificate(self.folder)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._server: asyncio.base_events.Server | None = None
        self._thread: threading.Thread | None = None

    # -- life cycle -----------------------------------------------------------
    def __enter__(self) -> ImapTestServer:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def start(self) -> None:
        ready = threading.Event()
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(self.cert_path, self.key_path)

        def run() -> None:
            loop = asyncio.new_event_loop()
            self._loop = loop
            asyncio.set_event_loop(loop)
            self._server = loop.run_until_complete(
                asyncio.start_server(self._session, "127.0.0.1", 0, ssl=context)
            )
            self.port = self._server.sockets[0].getsockname()[1]
            ready.set()
            loop.run_forever()
            self._server.close()
            loop.run_until_complete(self._server.wait_closed())
            loop.close()

        self._thread = threading.Thread(target=run, name="imap-test-server", daemon=True)
        self._thread.start()
        ready.wait(10)

    def stop(self) -> None:
        if self._loop is not None:
            self._loop.call_soon_threadsafe(self._loop.stop)
        if self._thread is not None:
            self._thread.join(10)

    def client_context(self) -> ssl.SSLContext:
        """An SSL context that trusts this server's certificate (and verifies the host name)."""
        return ssl.create_default_context(cafile=str(self.cert_path))

    # -- protocol ---------------------------------------------------------------
    async def _session(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        state: dict[str, object] = {"auth": False, "folder": None}

        def send(text: str | bytes) -> None:
            writer.write(text.encode() if isinstance(text, str) else text)

        send("* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN] Chorus test IMAP ready\r\n")
        try:
            while True:
                line = await reader.readline()
                if not line:
                    break
                text = line.decode("utf-8", "replace").rstrip("\r\n")
                tag, _, rest = text.partition(" ")
                command, _, args = rest.partition(" ")
                command = command.upper()
                if command == "UID":
                    sub, _, args = args.partition(" ")
                    command = f"UID {sub.upper()}"
                self.commands.append(command)
                done = self._handle(tag, command, args, state, send)
                await writer.drain()
                if done:
                    break
        except (ConnectionError, ssl.SSLError):
            pass
        finally:
            try:
                writer.close()
            except (ConnectionError, ssl.SSLError):
                pass

    def _handle(self, tag: str, command: str, args: str, state: dict, send) -> bool:  # noqa: ANN001
        if command == "CAPABILITY":
            send("* CAPABILITY IMAP4rev1 AUTH=PLAIN\r\n")
            send(f"{tag} OK CAPABILITY completed\r\n")
        elif command == "NOOP":
            send(f"{tag} OK NOOP completed\r\n")
        elif command == "LOGOUT":
            send("* BYE logging out\r\n")
            send(f"{tag} OK LOGOUT completed\r\n")
            return True
        elif command == "LOGIN":
            words = _tokens(args)
            if len(words) == 2 and words[0] == self.user and words[1] == self.password:
                state["auth"] = True
                send(f"{tag} OK LOGIN completed\r\n")
            else:
                send(f"{tag} NO [AUTHENTICATIONFAILED] Invalid credentials\r\n")
        elif not state["auth"]:
            send(f"{tag} BAD log in first\r\n")
        elif command in ("SELECT", "EXAMINE"):
            words = _tokens(args)
            name = words[0] if words else ""
            if name.upper() == "INBOX":
                name = next((f for f in self.folders if f.upper() == "INBOX"), name)
            if name not in self.folders:
                send(f"{tag} NO [NONEXISTENT] Unknown Mailbox: {name}\r\n")
                return False
            state["folder"] = name
            count = len(self.folders[name])
            send("* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft)\r\n")
            send(f"* {count} EXISTS\r\n* 0 RECENT\r\n")
            send(f"* OK [UIDVALIDITY {self.uidvalidity}] UIDs valid\r\n")
            send(f"* OK [UIDNEXT {self.first_uid + count}] Predicted next UID\r\n")
            mode = "READ-ONLY" if command == "EXAMINE" else "READ-WRITE"
            send(f"{tag} OK [{mode}] {command} completed\r\n")
        elif state["folder"] is None:
            send(f"{tag} BAD select a folder first\r\n")
        elif command == "UID SEARCH":
            uids = " ".join(str(self.first_uid + i) for i in range(len(self._box(state))))
            send(f"* SEARCH {uids}\r\n".replace("SEARCH \r\n", "SEARCH\r\n"))
            send(f"{tag} OK SEARCH completed\r\n")
        elif command == "UID FETCH":
            which, _, items = args.partition(" ")
            box = self._box(state)
            for uid in self._uids(which, len(box)):
                seq = uid - self.first_uid + 1
                send(self._fetch_response(state["folder"], seq, uid, box[seq - 1], items))
            send(f"{tag} OK FETCH completed\r\n")
        else:
            send(f"{tag} BAD {command} is not supported by the test server\r\n")
        return False

    def _box(self, state: dict) -> list[bytes]:
        return self.folders[state["folder"]]

    def _uids(self, which: str, count: int) -> list[int]:
        last = self.first_uid + count - 1
        found: list[int] = []
        for part in which.split(","):
            lo, _, hi = part.partition(":")
            start = last if lo == "*" else int(lo)
            end = start if not hi else (last if hi == "*" else int(hi))
            start, end = min(start, end), max(start, end)
            found.extend(u for u in range(start, end + 1) if self.first_uid <= u <= last)
        return sorted(set(found))

    def _fetch_response(self, folder: str, seq: int, uid: int, raw: bytes, items: str) -> bytes:
        upper = items.upper()
        parts: list[bytes] = [f"* {seq} FETCH (UID {uid}".encode()]
        if "RFC822.SIZE" in upper:
            parts.append(f" RFC822.SIZE {len(raw)}".encode())
        header_end = re.search(rb"\r?\n\r?\n", raw)
        header = raw[: header_end.end()] if header_end else raw
        fields = re.search(r"HEADER\.FIELDS \(([^)]*)\)", upper)
        if fields:
            names = fields.group(1).split()
            kept = [
                line
                for line in re.split(rb"\r?\n(?![ \t])", header)
                if line.split(b":", 1)[0].strip().upper().decode() in names
            ]
            literal = b"\r\n".join(kept) + b"\r\n\r\n"
            parts.append(
                f" BODY[HEADER.FIELDS ({fields.group(1)})] {{{len(literal)}}}\r\n".encode()
            )
            parts.append(literal)
        elif "[HEADER]" in upper:
            parts.append(f" BODY[HEADER] {{{len(header)}}}\r\n".encode() + header)
        elif "BODY[]" in upper or "BODY.PEEK[]" in upper or "RFC822)" in upper:
            if "BODY[]" in upper or "RFC822)" in upper:
                self.seen.add((folder, uid))  # a non-PEEK fetch sets \Seen
            parts.append(f" BODY[] {{{len(raw)}}}\r\n".encode() + raw)
        parts.append(b")\r\n")
        return b"".join(parts)


def _tokens(args: str) -> list[str]:
    """Atoms and quoted strings of a command's arguments."""
    out: list[str] = []
    for quoted, atom in re.findall(r'"((?:[^"\\]|\\.)*)"|(\S+)', args):
        out.append(re.sub(r"\\(.)", r"\1", quoted) if quoted or not atom else atom)
    return out
