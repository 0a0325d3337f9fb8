"""A mail message -> what a coordinator needs to judge it: headline, readable text, main links.

Pure (no I/O, the standard library's email package only). Staff forward
newsletters, press releases and reply chains to a shared inbox; what matters
is the content they forwarded, not the reply chain, the footer or the
tracking around the links. `read.read_message` puts the steps together:

    headers.py    Message-ID, date, sender, machine-made replies
    read.py       the body part to read (HTML preferred: newsletters' text
                  parts are often stubs), attachments named, never opened
    html_text.py  HTML -> text with its links marked (marks.py)
    forwards.py   a forward's note, original sender and content
    replies.py    the reply chain and signature cut off
    footers.py    newsletter footers cut off
    links.py      links unwrapped, cleaned, left out or marked, ranked
"""
