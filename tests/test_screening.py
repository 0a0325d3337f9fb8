"""The policy check: flags a coordinator reads, never a reason to reject."""

from __future__ import annotations

from pathlib import Path

import pytest

from automation.config import settings_from_dict
from jobs.screening import phone_numbers, post_length, screen
from sheets_schema.settings import Settings


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return settings_from_dict(
        {
            "organisation": {"name": "Acme", "timezone": "UTC", "email_domains": ["example.org"]},
            "screening": {
                "confidential_words": ["confidential", "internal only", "Project Falcon"],
                "blocked_domains": ["gossip.example", "BadSite.com"],
                "channel_limits": {"X": 280, "LinkedIn": 3000},
            },
        },
        tmp_path / "chorus.toml",
    )


def item(**fields: object) -> dict[str, object]:
    return {
        "headline": "Team wins award",
        "details": "We won the regional prize.",
        "link": "",
        **fields,
    }


def test_a_clean_item_has_no_flags(settings):
    assert screen(item(link="https://example.org/award", channels=["X"]), settings) == []


def test_confidential_words_and_phrases_are_found_whole_and_in_any_case(settings):
    flags = screen(item(details="This is INTERNAL   only news about project falcon."), settings)
    assert flags == [
        "confidential: mentions 'internal only', 'Project Falcon'; check it is cleared for the public"
    ]
    assert screen(item(details="Our confidentiality promise"), settings) == []


@pytest.mark.parametrize(
    "text",
    [
        "+44 20 7946 0958",
        "(212) 555-0199",
        "212-555-0199",
        "212.555.0199",
        "+1 212 555 0199",
        "020 7946 0958",
        "+49 30 1234567",
        "2125550199",
    ],
)
def test_phone_numbers_in_many_formats_are_personal_data(settings, text):
    flags = screen(item(details=f"Call Sam on {text} for details."), settings)
    assert len(flags) == 1 and flags[0].startswith("personal data: contains ")
    assert text in flags[0]


@pytest.mark.parametrize(
    "text",
    [
        "on 2026-11-24",
        "on 24/11/2026",
        "in 2025-2026",
        "raised 1,250,000 dollars",
        "order 123456",
        "server 192.168.10.1",
        "version 2.1.3",
    ],
)
def test_dates_amounts_and_addresses_are_not_phone_numbers(text):
    assert phone_numbers(f"Something happened {text}.") == []


def test_other_peoples_email_addresses_are_flagged_but_not_the_submitters_own(settings):
    flags = screen(
        item(
            details="Ask bob.smith@client.com or me at ann@example.org",
            submitted_by="ann@example.org",
        ),
        settings,
    )
    assert flags == [
        "personal data: contains bob.smith@client.com; make sure the person agreed to share it"
    ]


def test_permission_no_and_not_sure_are_flagged(settings):
    assert screen(item(), settings, permission="No") == [
        "permission: the submitter said it may not be shared publicly"
    ]
    assert screen(item(), settings, permission="Not sure") == [
        "permission: the submitter is not sure it may be shared publicly"
    ]
    assert screen(item(), settings, permission="Yes") == []


def test_links_to_blocked_domains_and_their_subdomains_are_flagged(settings):
    flags = screen(
        item(link="https://news.gossip.example/story", details="see http://badsite.com/x"), settings
    )
    assert flags == [
        "blocked site: links to news.gossip.example, badsite.com; the policy does not allow linking there"
    ]
    assert screen(item(link="https://notgossip.example/x"), settings) == []


def test_text_too_long_for_a_chosen_channel_is_flagged_with_the_numbers(settings):
    details = "word " * 60  # 300 characters
    flags = screen(item(details=details, channels="LinkedIn, X"), settings)
    length = post_length("Team wins award", details.strip(), "")
    assert flags == [f"too long for X: {length} characters, the limit is 280"]


def test_every_known_network_has_its_own_limit_under_any_of_its_names(settings):
    details = "word " * 64  # 320 characters: over Bluesky's 300 and X's 280, within Threads' 500
    flags = screen(item(details=details, channels="bsky, Twitter, Threads, Town Hall"), settings)
    length = post_length("Team wins award", details.strip(), "")
    assert flags == [
        f"too long for Bluesky: {length} characters, the limit is 300",
        f"too long for X: {length} characters, the limit is 280",
    ]


def test_links_count_as_23_characters_like_x_counts_them():
    assert post_length("Hi", "", "https://example.org/" + "a" * 200) == len("Hi") + 1 + 23


def test_media_without_a_stated_source_is_flagged_for_copyright(settings):
    expected = [
        "media without a source: say who made the photo or video and that we may use it (copyright)"
    ]
    assert screen(item(link="https://www.youtube.com/watch?v=abc"), settings) == expected
    assert screen(item(details="Great photo of the team at the gala."), settings) == expected
    assert screen(item(link="https://cdn.example.org/team.JPG"), settings) == expected
    assert screen(item(details="Photo courtesy of the City Times."), settings) == []
    assert screen(item(details="Video © Acme Films 2026"), settings) == []
    assert screen(item(details="Photo credit: Sam Lee"), settings) == []


def test_text_beyond_ascii_is_screened_as_closely_as_plain_text(settings):
    """The quick look before the patterns is for ASCII text; other text goes to the patterns."""
    flags = screen(item(headline="Café news", details="CONFIDENTIAL: Project   Falcon"), settings)
    assert flags == [
        "confidential: mentions 'confidential', 'Project Falcon'; check it is cleared for the public"
    ]
    assert screen(item(details="Une belle PHOTO de l'équipe"), settings) == [
        "media without a source: say who made the photo or video and that we may use it (copyright)"
    ]
    assert screen(item(details="Une belle PHOTO de l'équipe, © Studio Lumière"), settings) == []
