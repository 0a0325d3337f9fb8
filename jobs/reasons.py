"""Why a suggestion was not used, in sentences a colleague would write.

The Reason column of Submissions is read by the coordinator and, in the
thank-you job's kind note, by the person who made the suggestion; so every
reason is a whole sentence, says what to do next, and names no tab, column,
setting or internal id (Q-0043). The tests read every function here.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

#: A Submissions Reason that starts with this marks a suggestion merged into an item already
#: on its way (status Accepted; Queue ID names the item): thanked, never told "no".
MERGED = "Merged: a colleague suggested the same and it is already on its way."


def is_merged(submission: Mapping[str, object]) -> bool:
    """A Submissions row merged into an item someone suggested first."""
    return str(submission.get("reason", "") or "").strip().startswith(MERGED)


def join(reasons: Sequence[str]) -> str:
    """Several reasons as one paragraph."""
    return " ".join(r.strip() for r in reasons if r.strip())


def empty_response() -> str:
    return "The form arrived empty: none of its questions were answered."


def no_email_collected() -> str:
    return (
        "The form did not record who sent it, so we cannot reply; "
        "the form needs 'Collect email addresses' turned on."
    )


def not_an_email(value: str) -> str:
    return f'"{value}" is not an email address we can reply to.'


def outside_domains(email: str, domains: Sequence[str]) -> str:
    where = " or ".join(f"@{d}" for d in domains)
    return (
        f"It came from {email}, not from a work address ({where}); "
        "please send it again from your work account."
    )


def no_headline() -> str:
    return "It had no headline; please send it again with a one-line headline."


def not_a_web_link(link: str) -> str:
    return (
        f'The link "{link}" is not a web page address (one that starts with https://); '
        "please copy the address from your browser and send it again."
    )


def blocked_site(shown_hosts: str, *, sent: bool = True) -> str:
    """`sent=False` for what nobody sent us (a feed's entry): no advice to send it again."""
    policy = "a site our social media policy does not allow us to link to"
    advice = "; please send it again without that link." if sent else "."
    return f"It links to {shown_hosts}, {policy}{advice}"


def no_permission() -> str:
    return (
        "The people in it have not agreed to it being shared publicly; "
        "once they have, please send it again."
    )


def outside_the_organisation(domain: str) -> str:
    return f"It came from outside {domain}; only colleagues can suggest posts."


#: Every reason with sample values, for the tests and the demo: what a person may read.
def every_reason() -> dict[str, str]:
    """Each reason's wording with made-up values, by function name."""
    return {
        "empty_response": empty_response(),
        "no_email_collected": no_email_collected(),
        "not_an_email": not_an_email("ann at home"),
        "outside_domains": outside_domains("ann@gmail.com", ("example.org",)),
        "no_headline": no_headline(),
        "not_a_web_link": not_a_web_link("javascript:void(0)"),
        "blocked_site": blocked_site("evil[.]example"),
        "blocked_site_in_a_feed": blocked_site("evil[.]example", sent=False),
        "no_permission": no_permission(),
        "outside_the_organisation": outside_the_organisation("example.org"),
        "merged": MERGED,
    }
