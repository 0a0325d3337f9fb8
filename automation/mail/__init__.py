"""Email: compose a job's messages, send them once through the Sent ledger.

The transports (a Maildir outbox, the default where nothing leaves the
machine; SMTP; the Gmail API) implement `base.Mailer`; the workspace picks
the one chorus.toml names.
"""
