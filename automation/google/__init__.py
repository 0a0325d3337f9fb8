"""How Chorus reaches Google, in one place; only this package and the adapters import Google libraries.

- `apis`: which Google APIs Chorus calls, their hosts, scopes and names for people.
- `credentials`: who Chorus is to Google: the delegated user, a signed-in person (OAuth) or
  the service account, and the credentials for files and for Gmail.
- `oauth`: `chorus auth login`, google-auth-oauthlib's installed-app flow.
- `files`: new files owned by a person or a shared drive, never by a service account.
- `transport`: `GoogleServices`, the one door every Google request goes through,
  with bounded retries and call counts.
- `errors`: the one translator from what Google refused to a ChorusError with place and fix.
- `setup`: `chorus init --backend google`: the spreadsheet and the three forms, published.
"""
