"""How Chorus reaches Google, in one place; only this package and the adapters import Google libraries.

- `apis`: which Google APIs Chorus calls, their hosts, scopes and names for people.
- `credentials`: the service-account key (or application defaults) and its delegated copy.
- `transport`: `GoogleServices`, the one door every Google request goes through,
  with bounded retries and call counts.
- `errors`: the one translator from what Google refused to a ChorusError with place and fix.
- `setup`: `chorus init --backend google`: the spreadsheet and the three forms.
"""
