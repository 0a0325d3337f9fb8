"""Chorus's key for share tokens: made once, kept in the state folder, readable by its owner only.

A person's token in a share link is an HMAC of their email under this key
(jobs.sharing.person_token), so the key must stay the same for tokens to keep
adding up, and must never be in the spreadsheet, where anyone who can read
the Shares tab could turn tokens back into emails by trying addresses.
"""

from __future__ import annotations

import os
import secrets
import stat
from pathlib import Path

from sheets_schema.errors import BackendError
from sheets_schema.settings import Settings

KEY_FILE = "share-token.key"


def state_folder(settings: Settings) -> Path:
    """Chorus's state folder: [mail] state_dir, else .chorus-state beside chorus.toml."""
    return settings.mail.state_dir or settings.base_dir / ".chorus-state"


def share_key(settings: Settings) -> bytes:
    """The token key, made (32 random bytes, mode 600) the first time it is asked for."""
    path = state_folder(settings) / KEY_FILE
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            return _read(path)
        with os.fdopen(fd, "w", encoding="ascii") as out:
            out.write(secrets.token_hex(32) + "\n")
        return _read(path)
    except OSError as exc:
        raise BackendError(
            f"cannot keep the share token key {path}: {exc.strerror or exc}",
            place="mail.state_dir",
            fix="point [mail] state_dir in chorus.toml at a folder Chorus may write to",
        ) from None


def _read(path: Path) -> bytes:
    if stat.S_IMODE(path.stat().st_mode) & 0o077:
        path.chmod(0o600)  # someone copied it with a wider mode: only the owner may read it
    text = path.read_text(encoding="ascii").strip()
    if len(text) < 32:
        raise BackendError(
            f"the share token key {path} is damaged (it is {len(text)} characters long)",
            place=str(path),
            fix="restore it from a backup; a new key would give everyone new tokens, so visits "
            "counted before and after would not add up",
        )
    return bytes.fromhex(text) if all(c in "0123456789abcdef" for c in text) else text.encode()
