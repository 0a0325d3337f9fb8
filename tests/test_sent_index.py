"""State's index of the undated mail in the Sent archive: a Bloom filter that never says
"no" of a message it holds, rarely says "maybe" of one it does not, and is read as
"maybe" for everything when someone typed over it."""

from __future__ import annotations

from jobs.sent_index import MAX_CAPACITY, MAX_TEXT, ArchiveIndex


def ids(prefix: str, count: int) -> list[str]:
    return [f"<chorus.thanks.item.{prefix}{n:06d}@example.org>" for n in range(count)]


def test_every_message_added_is_held_and_few_others_seem_to_be() -> None:
    held = ids("held", 5_000)
    index = ArchiveIndex.of(held)

    assert all(index.may_hold(m) for m in held)
    strangers = ids("new", 50_000)
    false_maybes = sum(index.may_hold(m) for m in strangers)
    assert false_maybes < 50  # under 0.1% at half its size (about 1% when full)
    assert index.count == 5_000 and index.capacity == 10_000


def test_the_text_in_state_reads_back_as_the_same_filter() -> None:
    index = ArchiveIndex.of(ids("a", 300))
    again = ArchiveIndex.from_text(index.text())

    assert again is not None
    assert (again.capacity, again.count, bytes(again.bits)) == (
        index.capacity,
        index.count,
        bytes(index.bits),
    )
    again.add(ids("b", 10))
    assert again.count == 310 and all(again.may_hold(m) for m in ids("b", 10))


def test_text_someone_typed_over_or_cut_short_is_not_a_filter() -> None:
    text = ArchiveIndex.of(ids("a", 50)).text()
    flipped = text[:-8] + ("A" if text[-8] != "A" else "B") + text[-7:]

    assert ArchiveIndex.from_text("see the archive") is None
    assert ArchiveIndex.from_text(text[:-4]) is None
    assert ArchiveIndex.from_text(flipped) is None  # the CRC no longer matches
    assert ArchiveIndex.from_text(text.replace("cap=", "size=")) is None
    assert ArchiveIndex.from_text(" " + text + " ") is not None  # a cell's spaces do not matter


def test_a_filter_fits_a_state_cell_up_to_its_largest_size_and_says_when_it_does_not() -> None:
    largest = ArchiveIndex.of(ids("x", MAX_CAPACITY))
    assert largest.fits() and len(largest.text()) <= MAX_TEXT < 32_767

    largest.add(ids("y", 5))
    assert largest.count > largest.capacity and not largest.fits()
    assert ArchiveIndex.of(ids("z", 10)).room_for(500) and not largest.room_for(1)
