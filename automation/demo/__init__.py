"""`chorus demo`'s program: a made-up law firm's employee social media program, as data.

The firm's rows, form responses, feed entries, forwarded mail and storm are
files in `data/` (CSV and TOML a person can read and edit). `build` turns
them, with `today` and a seed, into every tab's rows; `inputs`, `feeds` and
`inbox` write the outside inputs the jobs read; `run` runs every job over the
result and `storm` takes it through a crisis.
"""

from automation.demo.build import demo_rows
from automation.demo.firm import (
    BACKUPS,
    COORDINATORS,
    DEMO_ORG,
    DOMAIN,
    FORM_URLS,
    OLD_POLICY_VERSION,
    PEOPLE,
    POLICY_VERSION,
    SITE,
    TZ,
    demo_config_toml,
    email_of,
    response_id,
)
from automation.demo.inputs import write_inputs

__all__ = [
    "BACKUPS",
    "COORDINATORS",
    "DEMO_ORG",
    "DOMAIN",
    "FORM_URLS",
    "OLD_POLICY_VERSION",
    "PEOPLE",
    "POLICY_VERSION",
    "SITE",
    "TZ",
    "demo_config_toml",
    "demo_rows",
    "email_of",
    "response_id",
    "write_inputs",
]
