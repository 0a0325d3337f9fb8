"""Which Message-IDs the Sent archive may hold, in one State cell: a Bloom filter.

Mail whose period is named by a date is guarded by that date: a message of a
period that ended before the day State records may be in the archive, any
other is not (jobs/sent_archive.py). A thank-you, a welcome or an assignment
has no such date (its period is "item", "welcome", "assigned"), and its job
may plan it again whenever its row looks new again: a Queue item's Published
At moved, a Start Date typed in again. Such mail moves to the archive too,
and this index says which of it did, without reading a year of archive.

A Bloom filter answers "maybe" or "no", and "no" is always right: a message
it has never been given is "no" except by a rare chance (about 1 in 100 when
full, far fewer before), which costs one read of the archive, never an
email. So the ledger reads the archive only for a planned message the index
may hold. The filter is kept as text in the State tab, checked by its own
CRC: a value someone typed over is read as "maybe" for every message (the
archive is asked, nothing is sent twice), and the next mailing run makes the
index again from the archive.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import math
import zlib
from collections.abc import Iterable

#: the State row holding the index
STATE_KEY = "sent archive index"
STATE_NOTE = (
    "Which thank-yous, welcomes and assignments are in the Sent archive, in brief "
    "(a Bloom filter Chorus writes): leave it be"
)
#: how the text starts: a value that does not is someone's typing
_MAGIC = "bloom1"
#: hashes per Message-ID: the fewest false "maybe"s at the size below
HASHES = 7
#: bits per Message-ID a filter is made for: about 1 false "maybe" in 100 when full
BITS_PER_ID = 9.6
#: the longest text a State cell takes in Excel (32,767) with room to spare
MAX_TEXT = 32_000
#: the fewest Message-IDs a filter is made for, so the first months do not remake it often
MIN_CAPACITY = 512
#: the most Message-IDs a filter that fits in MAX_TEXT is made for (about 20,000)
MAX_CAPACITY = int((MAX_TEXT - 64) * 3 // 4 * 8 / BITS_PER_ID)


class ArchiveIndex:
    """A Bloom filter of Message-IDs: `add` them, ask `may_hold`, keep `text()` in State."""

    def __init__(self, capacity: int, bits: bytearray | None = None, count: int = 0) -> None:
        self.capacity = capacity
        size = math.ceil(capacity * BITS_PER_ID / 8)
        self.bits = bits if bits is not None else bytearray(size)
        self.count = count

    @classmethod
    def of(cls, message_ids: Iterable[str]) -> ArchiveIndex:
        """A filter holding these Message-IDs, made for twice as many (at most MAX_CAPACITY:
        see `fits`)."""
        ids = list(dict.fromkeys(message_ids))
        index = cls(min(max(MIN_CAPACITY, 2 * len(ids)), MAX_CAPACITY))
        index.add(ids)
        return index

    def fits(self) -> bool:
        """Whether it holds no more than it was made for, in text a State cell takes."""
        return self.count <= self.capacity and len(self.text()) <= MAX_TEXT

    def _positions(self, message_id: str) -> list[int]:
        digest = hashlib.blake2b(message_id.encode(), digest_size=16).digest()
        first = int.from_bytes(digest[:8], "little")
        step = int.from_bytes(digest[8:], "little") | 1
        size = len(self.bits) * 8
        return [(first + i * step) % size for i in range(HASHES)]

    def add(self, message_ids: Iterable[str]) -> None:
        """Remember these Message-IDs; the count goes up by each (one added twice, after a
        killed move, counts twice: the filter is remade a little early, never too late)."""
        for message_id in message_ids:
            for position in self._positions(message_id):
                self.bits[position >> 3] |= 1 << (position & 7)
            self.count += 1

    def may_hold(self, message_id: str) -> bool:
        """False: this Message-ID was never added. True: it may have been."""
        bits = self.bits
        return all(bits[p >> 3] & (1 << (p & 7)) for p in self._positions(message_id))

    def room_for(self, more: int) -> bool:
        """Whether `more` Message-IDs can be added without passing the size it was made for."""
        return self.count + more <= self.capacity

    def text(self) -> str:
        """The filter as the State cell keeps it: its sizes, a CRC, then the bits in base64."""
        data = bytes(self.bits)
        crc = zlib.crc32(data) & 0xFFFFFFFF
        encoded = base64.b64encode(data).decode("ascii")
        return f"{_MAGIC} cap={self.capacity} n={self.count} crc={crc:08x} {encoded}"

    @classmethod
    def from_text(cls, text: str) -> ArchiveIndex | None:
        """The filter a State cell holds; None when the text is not one Chorus wrote, whole."""
        parts = text.strip().split(" ")
        if len(parts) != 5 or parts[0] != _MAGIC:
            return None
        fields = dict(part.partition("=")[::2] for part in parts[1:4])
        try:
            capacity, count, crc = int(fields["cap"]), int(fields["n"]), int(fields["crc"], 16)
            data = base64.b64decode(parts[4], validate=True)
        except (KeyError, ValueError, binascii.Error):
            return None
        if zlib.crc32(data) & 0xFFFFFFFF != crc or len(data) != math.ceil(
            capacity * BITS_PER_ID / 8
        ):
            return None
        return cls(capacity, bytearray(data), count)
