"""The mailbox staff forward content to, read without ever changing it: Maildir, IMAP, Gmail label.

Read-only everywhere: a Maildir is only listed and read, IMAP uses EXAMINE and
BODY.PEEK (no \\Seen), Gmail is only listed and read (gmail.readonly). Chorus
remembers what it has read through the Message-IDs in the Queue's Origin
column, so there is no state here: `known` lets a source skip downloading
messages already queued. Each source implements `base.InboxSource`; the
workspace picks the one [inbox] names.
"""
