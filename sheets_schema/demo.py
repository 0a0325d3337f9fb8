"""The demo program: a made-up law firm's employee social media program, as data.

`chorus demo` builds a workspace from this so a newcomer sees every tab, form
export, feed and forwarded mail filled in the way a real program looks. All of
it is derived from (today, seed) with seeded `random.Random` streams: the demo always
looks current, and two builds on the same day produce the same files.
"""

from __future__ import annotations

import csv
import hashlib
import os
import random
import re
from datetime import date, datetime, time, timedelta
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime as rfc2822
from email.utils import parsedate_to_datetime
from pathlib import Path
from xml.sax.saxutils import escape
from zoneinfo import ZoneInfo

from sheets_schema.forms import FORMS, export_header
from sheets_schema.tabs import TABS
from sheets_schema.values import parse_days, parse_time_window

DOMAIN = "greenfield-law.example"
DEMO_ORG: dict[str, object] = {
    "name": "Greenfield Law",
    "timezone": "Europe/London",
    "email_domains": [DOMAIN],
}

#: The program-wide policy version the acknowledgement form records ("Policy
#: version" answer). Acknowledgements of anything else count as out of date.
POLICY_VERSION = "2026.2"
#: The version a handful of people acknowledged before the latest change.
OLD_POLICY_VERSION = "2025.1"

TZ = ZoneInfo("Europe/London")
SITE = "https://www.greenfield-law.example"
FORM_URLS = {
    "submissions": "https://docs.google.com/forms/d/e/1FAIpQLSdGrnFldSubmit7Qx2Vb9kLm3Np5Rt8Wy1Za4Cd6Ef/viewform",
    "acknowledgements": "https://docs.google.com/forms/d/e/1FAIpQLSeGrnFldAckn4Hj7Kl2Mn9Pq3Rs6Tu8Vw1Xy5Za/viewform",
    "feedback": "https://docs.google.com/forms/d/e/1FAIpQLScGrnFldFdbk2Bc5De8Fg1Hi4Jk7Lm9No3Pq6Rs/viewform",
}

# --------------------------------------------------------------------------- people

# (name, team, roles). Team managers report to the managing partner, who leads
# Corporate; coordinators sit in Operations (marketing), backups across teams.
_ROSTER: tuple[tuple[str, str, str], ...] = (
    ("Daniel Okoro", "Litigation", "Manager"),
    ("Oliver Bennett", "Litigation", "Staff, Backup"),
    ("Sophie Turner", "Litigation", "Staff"),
    ("James Fletcher", "Litigation", "Staff"),
    ("Amira Haddad", "Litigation", "Staff"),
    ("Liam O'Connor", "Litigation", "Staff"),
    ("Rebecca Stone", "Litigation", "Staff"),
    ("Nathan Price", "Litigation", "Staff"),
    ("Zara Ahmed", "Litigation", "Staff"),
    ("Ben Castillo", "Litigation", "Staff"),
    ("Megan Hall", "Litigation", "Staff"),
    ("Catherine Ashworth", "Corporate", "Manager"),
    ("Edward Lin", "Corporate", "Staff"),
    ("Harriet Cole", "Corporate", "Staff"),
    ("Samuel Osei", "Corporate", "Staff"),
    ("Isabel Moreno", "Corporate", "Staff"),
    ("Victoria Shaw", "Corporate", "Staff"),
    ("Aidan Murphy", "Corporate", "Staff"),
    ("Leah Goldberg", "Corporate", "Staff"),
    ("Kwame Mensah", "Corporate", "Staff"),
    ("Ruth Patel", "Corporate", "Staff"),
    ("Fiona MacLeod", "Employment", "Manager, Policy Owner"),
    ("Chloe Dubois", "Employment", "Staff, Backup"),
    ("Aisha Rahman", "Employment", "Staff"),
    ("George Pike", "Employment", "Staff"),
    ("Niamh Kelly", "Employment", "Staff"),
    ("Tariq Hussain", "Employment", "Staff"),
    ("Emily Walsh", "Employment", "Staff"),
    ("Callum Reid", "Employment", "Staff"),
    ("Jessica Wong", "Employment", "Staff"),
    ("Rajesh Mehta", "Private Client", "Manager"),
    ("Margaret Doyle", "Private Client", "Staff"),
    ("Peter Novak", "Private Client", "Staff"),
    ("Lucy Fairbairn", "Private Client", "Staff"),
    ("Hugo Lambert", "Private Client", "Staff"),
    ("Anjali Desai", "Private Client", "Staff"),
    ("Thomas Grant", "Private Client", "Staff"),
    ("Rosie Evans", "Private Client", "Staff"),
    ("Felix Andersson", "Private Client", "Staff"),
    ("Helen Marsh", "Operations", "Manager"),
    ("Priya Shah", "Operations", "Staff, Coordinator"),
    ("Tom Whitfield", "Operations", "Staff, Coordinator"),
    ("Grace Adeyemi", "Operations", "Staff, Coordinator"),
    ("Marcus Lee", "Operations", "Staff, Backup"),
    ("Eleanor Hughes", "Operations", "Staff, Policy Owner"),
    ("Sarah Kim", "Operations", "Staff"),
    ("Jack Robinson", "Operations", "Staff"),
    ("Olivia Brown", "Operations", "Staff"),
    ("Mohammed Ali", "Operations", "Staff"),
    ("Ella Nguyen", "Operations", "Staff"),
    ("Sam Porter", "Operations", "Staff"),
)
_INACTIVE = ("Megan Hall", "Thomas Grant")  # have left the firm; never mailed
# A freelance designer on a personal address: active, but outside the
# organisation's domains, so Chorus must never mail them.
_CONTRACTOR = ("Sam Porter", "sam.porter.design@gmail.com")
_MANAGING_PARTNER = "Catherine Ashworth"
COORDINATORS = ("Priya Shah", "Tom Whitfield", "Grace Adeyemi")
BACKUPS = ("Oliver Bennett", "Chloe Dubois", "Marcus Lee")
POLICY_OWNERS = ("Eleanor Hughes", "Fiona MacLeod")


def email_of(name: str) -> str:
    """The demo address of a person on the roster (first.last@greenfield-law.example)."""
    if name == _CONTRACTOR[0]:
        return _CONTRACTOR[1]
    local = re.sub(r"[^a-z ]", "", name.lower()).replace(" ", ".")
    return f"{local}@{DOMAIN}"


def _people_rows() -> list[dict[str, str]]:
    managers = {team: name for name, team, roles in _ROSTER if "Manager" in roles}
    rows = []
    for name, team, roles in _ROSTER:
        if "Manager" in roles:
            boss = "" if name == _MANAGING_PARTNER else email_of(_MANAGING_PARTNER)
        else:
            boss = email_of(managers[team])
        rows.append(
            {
                "name": name,
                "email": email_of(name),
                "team": team,
                "roles": roles,
                "manager_email": boss,
                "active": "No" if name in _INACTIVE else "Yes",
            }
        )
    return rows


# --------------------------------------------------------------------------- helpers


def _monday(d: date) -> date:
    return d - timedelta(days=d.weekday())


def _dt(d: date, hour: int, minute: int = 0) -> str:
    return f"{d.isoformat()} {hour:02d}:{minute:02d}"


def _row(tab_name: str, **values: str) -> dict[str, str]:
    """A row with every field of the tab, blanks as ''."""
    fields = TABS[tab_name].fields
    unknown = set(values) - set(fields)
    if unknown:
        raise KeyError(f"{tab_name} has no fields {sorted(unknown)}")
    return {f: values.get(f, "") for f in fields}


def _stream(seed: int, part: str) -> random.Random:
    """A random stream per part of the demo, so changing one part never shifts another."""
    return random.Random(f"{seed}:{part}")


def _digits(rng: random.Random, n: int) -> str:
    return "".join(rng.choice("0123456789") for _ in range(n))


def _token(rng: random.Random, n: int, alphabet: str = "") -> str:
    chars = alphabet or "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
    return "".join(rng.choice(chars) for _ in range(n))


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:60].rstrip("-")


def response_id(form: str, timestamp: str, email: str) -> str:
    """A stable id for a past form response (the demo's own scheme, not Google's)."""
    digest = hashlib.sha1(f"{form}|{timestamp}|{email}".encode()).hexdigest()[:10]
    return f"{form[:3].upper()}-{digest}"


# --------------------------------------------------------------------------- channels

_CHANNELS: tuple[tuple[str, str, str, str, str, str], ...] = (
    (
        "LinkedIn",
        "https://www.linkedin.com/company/greenfield-law-example/",
        "Thought leadership, firm news and recruitment: where clients and referrers look first",
        "3",
        "Mon, Wed, Fri",
        "09:00-11:00",
    ),
    (
        "X",
        "https://x.com/GreenfieldLawUK",
        "Quick legal updates, live coverage from events, replies to questions",
        "5",
        "Mon-Fri",
        "12:00 - 13:00",
    ),
    (
        "Facebook",
        "https://www.facebook.com/GreenfieldLawLeeds",
        "Community, pro bono and charity work; open days for the public",
        "2",
        "Tue, Thu",
        "9am-11am",
    ),
    (
        "YouTube",
        "https://www.youtube.com/@GreenfieldLaw",
        "Short explainers and webinar recordings (quieter: one video a week at most)",
        "1",
        "Thu",
        "14:00-16:00",
    ),
    (
        "Instagram",
        "https://www.instagram.com/greenfieldlaw/",
        "Behind the scenes, people and culture, trainee recruitment",
        "2",
        "weekdays",
        "12pm-2pm",
    ),
)
_CHANNEL_RULES = {
    name: (set(parse_days(days)), parse_time_window(window)[0])
    for name, _h, _p, _n, days, window in _CHANNELS
}


def _slot_ok(day: date, channels: list[str]) -> tuple[time, time] | None:
    """The window every channel shares on `day`, or None if one does not post that day."""
    start, end = time(0), time(23, 59)
    for ch in channels:
        days, (w_start, w_end) = _CHANNEL_RULES[ch]
        if day.weekday() not in days:
            return None
        start, end = max(start, w_start), min(end, w_end)
    return (start, end) if start < end else None


def _find_slot(
    target: date,
    channels: list[str],
    step: int,
    rng: random.Random,
    taken: set[tuple[date, str]],
    bounds: tuple[date, date],
) -> tuple[date, int, int]:
    """The nearest day from `target` (walking by `step`, then back) inside all channels' days
    and windows and within `bounds`, preferring days those channels have no post yet."""
    lo, hi = bounds
    target = min(max(target, lo), hi)
    candidates = [target + timedelta(days=step * n) for n in range(15)]
    candidates += [target - timedelta(days=step * n) for n in range(1, 15)]
    candidates = [d for d in candidates if lo <= d <= hi]
    for avoid_taken in (True, False):
        for day in candidates:
            window = _slot_ok(day, channels)
            if not window or (avoid_taken and any((day, c) in taken for c in channels)):
                continue
            first = window[0].hour * 60 + window[0].minute
            last = window[1].hour * 60 + window[1].minute - 5
            minute = first + 5 * rng.randrange(0, max(1, (last - first) // 5))
            taken.update((day, c) for c in channels)
            return day, minute // 60, minute % 60
    raise ValueError(f"no slot near {target} for {channels}")  # a bug in the catalogue


_POST_URLS = {
    "LinkedIn": lambda r: (
        f"https://www.linkedin.com/feed/update/urn:li:activity:7{_digits(r, 18)}/"
    ),
    "X": lambda r: f"https://x.com/GreenfieldLawUK/status/18{_digits(r, 17)}",
    "Facebook": lambda r: (
        f"https://www.facebook.com/GreenfieldLawLeeds/posts/pfbid0{_token(r, 30)}"
    ),
    "YouTube": lambda r: f"https://www.youtube.com/watch?v={_token(r, 11)}",
    "Instagram": lambda r: f"https://www.instagram.com/p/C{_token(r, 10)}/",
}

# --------------------------------------------------------------------------- queue

# (source kind, source type, headline, details, link, channels, status, submitter, extras)
# Links starting with "/" are on the firm's own site. Staff & partners items
# with a submitter came through the submission form.
_O, _S, _E = "Organisation", "Staff & partners", "External"
_QUEUE: tuple[tuple[str, str, str, str, str, str, str, str, dict[str, str]], ...] = (
    (
        _O,
        "News release",
        "Greenfield Law opens a second office in Harrogate",
        "Twelve lawyers from Private Client and Employment move into Station Parade from next month.",
        "/news/harrogate-office",
        "LinkedIn",
        "Published",
        "",
        {},
    ),
    (
        _O,
        "News release",
        "Three new partners join our Corporate team",
        "Welcoming Edward Lin, Harriet Cole and Samuel Osei to the partnership.",
        "/news/three-new-partners",
        "LinkedIn",
        "Published",
        "",
        {},
    ),
    (
        _O,
        "News release",
        "Ranked Tier 1 for employment law in the Northern Law Directory",
        "Fourth year running; the directory quotes clients on our 'calm, practical advice'.",
        "/news/northern-law-directory-tier-1",
        "X",
        "Published",
        "",
        {},
    ),
    (
        _O,
        "News release",
        "Our annual review: 1,240 hours of pro bono advice",
        "Highlights from the year: the Chapeltown clinic, tenancy advice, and our first trainee-led cases.",
        "/news/annual-review",
        "LinkedIn",
        "Scheduled",
        "",
        {},
    ),
    (
        _O,
        "News release",
        "Greenfield Law is now a certified B Corp",
        "After two years of work on governance, suppliers and pro bono, we have been certified.",
        "/news/b-corp",
        "LinkedIn, Facebook",
        "Approved",
        "",
        {},
    ),
    (
        _O,
        "News release",
        "Training contracts: applications open for next September",
        "Eight places across all four practice groups; closing date in six weeks.",
        "/careers/training-contracts",
        "Instagram",
        "Scheduled",
        "",
        {},
    ),
    (
        _O,
        "Event",
        "Webinar: employment law update for HR leaders",
        "Fiona MacLeod and Aisha Rahman on fire-and-rehire, holiday pay and the new flexible working rules.",
        "/events/hr-leaders-update",
        "LinkedIn",
        "Published",
        "",
        {},
    ),
    (
        _O,
        "Event",
        "Breakfast seminar: lasting powers of attorney explained",
        "Free, at our Leeds office, 8am with coffee and pastries. Booking essential.",
        "/events/lpa-breakfast",
        "Facebook",
        "Scheduled",
        "",
        {},
    ),
    (
        _O,
        "Event",
        "Open evening for aspiring lawyers",
        "Meet trainees and partners, tour the office, ask anything.",
        "/events/open-evening",
        "Instagram",
        "Published",
        "",
        {},
    ),
    (
        _O,
        "Event",
        "Charity quiz night in aid of Leeds Mind",
        "Teams of six, £10 a head, all proceeds to Leeds Mind.",
        "/events/quiz-night",
        "Facebook, Instagram",
        "New",
        "",
        {},
    ),
    (
        _O,
        "Event",
        "Webinar: directors' duties when trading gets tough",
        "Catherine Ashworth and Kwame Mensah on insolvency risk, wrongful trading and keeping records.",
        "/events/directors-duties",
        "LinkedIn, X",
        "Approved",
        "",
        {},
    ),
    (
        _O,
        "Video",
        "Two-minute explainer: making a flexible working request",
        "Niamh Kelly walks through the process and the new timescales.",
        "https://www.youtube.com/watch?v=q7Rk2mVx0aB",
        "YouTube",
        "Published",
        "",
        {},
    ),
    (
        _O,
        "Video",
        "What actually happens at an employment tribunal?",
        "George Pike demystifies the hearing day for claimants and small employers.",
        "https://www.youtube.com/watch?v=Tr1bUn4lD3y",
        "YouTube",
        "Scheduled",
        "",
        {},
    ),
    (
        _O,
        "Video",
        "Meet the team: Private Client",
        "Sixty seconds with Rajesh Mehta's team, filmed at the Harrogate office.",
        "https://www.youtube.com/watch?v=Pc7eAmZ9kLw",
        "Instagram",
        "Published",
        "",
        {},
    ),
    (
        _O,
        "Video",
        "Explainer: making a will when you own a business",
        "Peter Novak on business property relief and shareholder agreements.",
        "https://www.youtube.com/watch?v=W1llBz5pQrT",
        "YouTube",
        "Approved",
        "",
        {},
    ),
    (
        _O,
        "White paper",
        "Hybrid working: the legal risks for employers",
        "Our 16-page guide: contracts, expenses, data protection and wellbeing duties.",
        "/insights/hybrid-working-risks",
        "LinkedIn",
        "Published",
        "",
        {},
    ),
    (
        _O,
        "White paper",
        "ESG reporting for mid-sized companies",
        "What the new disclosure rules mean for firms with 250+ staff, with a checklist.",
        "/insights/esg-reporting",
        "LinkedIn",
        "Scheduled",
        "",
        {},
    ),
    (
        _O,
        "White paper",
        "Renters' rights reforms: a guide for private landlords",
        "Periodic tenancies, grounds for possession and the new ombudsman.",
        "/insights/renters-rights",
        "LinkedIn, Facebook",
        "New",
        "",
        {},
    ),
    (
        _O,
        "News release",
        "We are sponsoring the Northern Young Lawyers Awards",
        "Headline sponsor for the third year; nominations open now.",
        "/news/young-lawyers-awards",
        "X, Instagram",
        "Published",
        "",
        {},
    ),
    (
        _O,
        "News release",
        "Office closed today because of Storm Darragh",
        "All staff working from home; phone lines open as usual.",
        "/news/office-closure",
        "X, Facebook",
        "Rejected",
        "",
        {"notes": "Out of date: the office reopened before it could go out."},
    ),
    (
        _O,
        "Event",
        "Live from the Employment Law Conference",
        "Fiona MacLeod on the panel at 2pm; follow for highlights.",
        "/events/employment-law-conference",
        "X",
        "Published",
        "",
        {},
    ),
    (
        _O,
        "Video",
        "Webinar recording: directors' duties when trading gets tough",
        "Full recording with chapters; slides on the event page.",
        "https://www.youtube.com/watch?v=Dd9rEcTr0sX",
        "YouTube",
        "New",
        "",
        {},
    ),
    (
        _S,
        "Employee award",
        "Aisha Rahman named Employment Lawyer of the Year",
        "At the Northern Law Awards on Thursday. The judges praised her tribunal work for care workers.",
        "https://www.northernlawawards.example/winners",
        "LinkedIn",
        "Published",
        "Fiona MacLeod",
        {},
    ),
    (
        _S,
        "Employee award",
        "Callum Reid shortlisted for Trainee of the Year",
        "Shortlisted for his pro bono work at the Chapeltown clinic.",
        "",
        "LinkedIn",
        "Published",
        "Chloe Dubois",
        {},
    ),
    (
        _S,
        "Employee award",
        "Olivia Brown gains her CIPD Level 7 qualification",
        "Olivia from HR completed the advanced diploma while working full time.",
        "",
        "LinkedIn",
        "Approved",
        "Helen Marsh",
        {},
    ),
    (
        _S,
        "Employee award",
        "Peter Novak becomes a full member of STEP",
        "Peter is now a Trust and Estate Practitioner (TEP).",
        "",
        "LinkedIn",
        "Scheduled",
        "Rajesh Mehta",
        {},
    ),
    (
        _S,
        "Partner achievement",
        "Northbank Housing Trust opens 120 affordable homes",
        "Our client and partner of ten years opened its Kirkstall scheme; we advised on the land deal.",
        "https://www.northbankhousing.example/news/kirkstall-opens",
        "Facebook",
        "Published",
        "Kwame Mensah",
        {},
    ),
    (
        _S,
        "Partner achievement",
        "Leeds Community Law Centre celebrates 40 years",
        "We have supported the centre with volunteers since 2009.",
        "https://www.leedslawcentre.example/40",
        "Facebook",
        "Scheduled",
        "Niamh Kelly",
        {},
    ),
    (
        _S,
        "Partner achievement",
        "Our charity partner Fresh Start raises £50,000",
        "The winter appeal beat its target; our staff ran the half marathon for it.",
        "https://www.freshstart-leeds.example/appeal",
        "Facebook, Instagram",
        "New",
        "Ella Nguyen",
        {},
    ),
    (
        _S,
        "Client achievement",
        "Aldermoor Engineering wins the King's Award for Enterprise",
        "Recognised for international trade; we have advised Aldermoor since 2015.",
        "https://www.aldermoor-eng.example/news/kings-award",
        "LinkedIn",
        "Published",
        "Catherine Ashworth",
        {
            "flags": "Names a client: check consent is on file",
            "notes": "Client consent confirmed by email (C. Ashworth).",
        },
    ),
    (
        _S,
        "Client achievement",
        "Brightwater Foods completes its acquisition of Oakleaf Bakery",
        "We acted for Brightwater on the share purchase.",
        "",
        "LinkedIn, X",
        "Rejected",
        "Samuel Osei",
        {
            "flags": "Names a client: check consent is on file",
            "notes": "Client has not approved publicity; revisit after their own announcement.",
        },
    ),
    (
        _S,
        "Client achievement",
        "Lumen Analytics closes its Series B round",
        "Corporate team advised on the £18m raise.",
        "https://www.lumen-analytics.example/press/series-b",
        "LinkedIn",
        "Approved",
        "Leah Goldberg",
        {"flags": "Names a client: check consent is on file"},
    ),
    (
        _S,
        "Community service",
        "200 volunteer hours at the Harehills food bank",
        "Forty of us sorted donations on Saturdays this autumn.",
        "",
        "Facebook",
        "Published",
        "Ella Nguyen",
        {},
    ),
    (
        _S,
        "Community service",
        "Litigation team completes the Yorkshire Three Peaks",
        "24 miles in 11 hours, £3,400 raised for Macmillan.",
        "https://www.justgiving.com/page/greenfield-three-peaks",
        "Instagram",
        "Published",
        "Rebecca Stone",
        {},
    ),
    (
        _S,
        "Community service",
        "Free legal advice clinic at Chapeltown library",
        "First Saturday of every month, no appointment needed.",
        "",
        "Facebook",
        "Scheduled",
        "Callum Reid",
        {},
    ),
    (
        _S,
        "Community service",
        "Private Client team plants 300 trees in Roundhay",
        "With the Leeds city tree team, as part of our B Corp commitments.",
        "",
        "Instagram, Facebook",
        "New",
        "Lucy Fairbairn",
        {},
    ),
    (
        _S,
        "Employee award",
        "Sophie Turner joins the Law Society's civil justice committee",
        "Sophie was appointed for a three-year term.",
        "",
        "LinkedIn",
        "Rejected",
        "Daniel Okoro",
        {"notes": "Embargoed until the Law Society announces the committee."},
    ),
    (
        _S,
        "Community service",
        "Bake sale raises £1,240 for the children's hospice",
        "Record total; Operations' lemon drizzle sold out by 10am.",
        "",
        "Instagram",
        "Published",
        "Sarah Kim",
        {},
    ),
    (
        _S,
        "Employee award",
        "Ten years at Greenfield Law: Margaret Doyle",
        "Margaret joined as a paralegal and now leads our Court of Protection work.",
        "",
        "LinkedIn, Facebook",
        "New",
        "Rajesh Mehta",
        {},
    ),
    (
        _S,
        "Partner achievement",
        "Yorkshire Business Network names us Member of the Month",
        "For our free HR law drop-ins for small businesses.",
        "https://www.yorkshirebusinessnetwork.example/members/greenfield-law",
        "LinkedIn",
        "Approved",
        "Helen Marsh",
        {},
    ),
    (
        _E,
        "Industry article",
        "Tribunal fees: what the consultation means for employers",
        "Worth sharing with a line from Fiona on what employers should do now.",
        "https://www.lawgazette-weekly.example/news/tribunal-fees-consultation",
        "X",
        "Published",
        "",
        {},
    ),
    (
        _E,
        "Industry article",
        "Court of Appeal clarifies holiday pay for part-year workers",
        "Good hook for the holiday pay explainer.",
        "https://www.employmentlawtoday.example/holiday-pay-part-year",
        "LinkedIn",
        "Published",
        "",
        {},
    ),
    (
        _E,
        "Industry article",
        "Five things SMEs get wrong about shareholder agreements",
        "Short and practical; share with our checklist.",
        "https://www.smallbusinessdaily.example/shareholder-agreements",
        "X",
        "Published",
        "",
        {},
    ),
    (
        _E,
        "Industry article",
        "Survey: one in three adults has no will",
        "Share with a link to our will-writing page.",
        "https://www.moneyweekly.example/no-will-survey",
        "X, Instagram",
        "Published",
        "",
        {},
    ),
    (
        _E,
        "Industry article",
        "ICO publishes guidance on AI in recruitment",
        "Our Employment team can add two lines on automated sifting.",
        "https://www.dataprotectionnews.example/ico-ai-recruitment",
        "X",
        "Scheduled",
        "",
        {},
    ),
    (
        _E,
        "Industry article",
        "Employment Rights Bill: the timetable is confirmed",
        "Big for clients; pair with the webinar sign-up.",
        "https://www.employmentlawtoday.example/erb-timetable",
        "X, LinkedIn",
        "Approved",
        "",
        {},
    ),
    (
        _E,
        "Alert",
        "Greenfield Law quoted on the four-day week",
        "Northern Business Daily quotes Aisha Rahman on contract changes.",
        "https://www.northernbusinessdaily.example/four-day-week-legal",
        "X",
        "Published",
        "",
        {},
    ),
    (
        _E,
        "Alert",
        "Greenfield Law advises on the sale of the Harrogate Spa Hotel",
        "Deal announcement in the regional press.",
        "https://www.yorkshiredeals.example/harrogate-spa-hotel-sold",
        "LinkedIn",
        "Published",
        "",
        {},
    ),
    (
        _E,
        "Alert",
        "Daniel Okoro on the county court backlog",
        "Radio interview write-up; check the quote before sharing.",
        "https://www.radioleeds-news.example/court-backlog",
        "X",
        "New",
        "",
        {},
    ),
    (
        _E,
        "Alert",
        "Greenfield Law in the Top 50 regional law firms list",
        "List published this morning; we are 31st.",
        "https://www.lawyers-north.example/top-50-regional-firms",
        "LinkedIn, X",
        "Approved",
        "",
        {},
    ),
    (
        _E,
        "Alert",
        "Forum thread discussing Greenfield Law's fees",
        "Not content: moved to Mentions for a reply.",
        "https://www.legalforum-uk.example/threads/greenfield-law-fees.48213",
        "X",
        "Rejected",
        "",
        {"notes": "Not suitable to share; logged as a mention instead."},
    ),
    (
        _E,
        "Newsletter",
        "HR Weekly: statutory sick pay changes from April",
        "From the HR Weekly newsletter Jessica forwarded.",
        "https://www.hrweekly.example/ssp-changes",
        "X",
        "Published",
        "",
        {},
    ),
    (
        _E,
        "Newsletter",
        "Probate Practitioner: new online probate forms",
        "Useful for executors; share with our probate page.",
        "https://www.probatepractitioner.example/online-forms",
        "X",
        "Scheduled",
        "",
        {"outside_window": "yes"},
    ),
    (
        _E,
        "Newsletter",
        "Company Law Digest: Companies House identity checks",
        "Every director must verify their identity; deadline approaching.",
        "https://www.companylawdigest.example/id-verification",
        "LinkedIn, X",
        "New",
        "",
        {},
    ),
    (
        _E,
        "Industry article",
        "Supreme Court rules on restrictive covenants",
        "Landmark judgment; Daniel has a comment ready.",
        "https://www.lawgazette-weekly.example/news/restrictive-covenants-judgment",
        "LinkedIn",
        "Published",
        "",
        {},
    ),
    (
        _E,
        "Industry article",
        "Gender pay gap reporting deadline is four weeks away",
        "Reminder post for employers with 250+ staff.",
        "https://www.employmentlawtoday.example/gpg-deadline",
        "X, Instagram",
        "Scheduled",
        "",
        {"overdue": "yes"},
    ),
    (
        _E,
        "Newsletter",
        "Employment Law Briefing: neonatal care leave starts",
        "From the briefing Chloe forwarded; needs a one-line summary.",
        "https://www.employmentlawbriefing.example/neonatal-leave",
        "X, LinkedIn",
        "New",
        "",
        {},
    ),
    (
        _E,
        "Industry article",
        "Lasting powers of attorney go digital",
        "Good tie-in to the breakfast seminar.",
        "https://www.moneyweekly.example/lpa-digital",
        "Facebook",
        "Published",
        "",
        {},
    ),
    (
        _E,
        "Alert",
        "Charity run raises £8,000 with help from Greenfield Law volunteers",
        "Local news piece with a photo of our team.",
        "https://www.leedslocal.example/news/charity-run-8000",
        "Instagram",
        "Published",
        "",
        {},
    ),
    (
        _E,
        "Industry article",
        "Cyber attacks on law firms up 40%",
        "Scary headline, no advice in it.",
        "https://www.techrisknews.example/law-firm-cyber-attacks",
        "LinkedIn",
        "Rejected",
        "",
        {"notes": "Off-message: alarming without anything useful for clients."},
    ),
    (
        _E,
        "Industry article",
        "National Minimum Wage rises from April",
        "New rates table; employers need to update payroll.",
        "https://www.hrweekly.example/nmw-april",
        "X",
        "Published",
        "",
        {},
    ),
    (
        _E,
        "Newsletter",
        "Charity Commission updates its guidance for trustees",
        "Relevant to the charities we advise; share on Facebook.",
        "https://www.charitynews.example/trustee-guidance",
        "Facebook",
        "Approved",
        "",
        {},
    ),
    (
        _E,
        "Industry article",
        "What the Budget means for inheritance tax on pensions",
        "Peter can add a short comment.",
        "https://www.moneyweekly.example/budget-iht-pensions",
        "LinkedIn",
        "Published",
        "",
        {},
    ),
    (
        _E,
        "Industry article",
        "Apprenticeship levy to become the growth and skills levy",
        "Could tie in with our own apprentice paralegals.",
        "https://www.smallbusinessdaily.example/growth-skills-levy",
        "LinkedIn",
        "New",
        "",
        {},
    ),
    (
        _E,
        "Alert",
        "Our webinar listed in the HR events round-up",
        "HR Weekly lists the directors' duties webinar.",
        "https://www.hrweekly.example/events-roundup",
        "X",
        "Scheduled",
        "",
        {},
    ),
    (
        _E,
        "Industry article",
        "Mediation to become compulsory for small claims",
        "Litigation would like to comment on what it means for small businesses.",
        "https://www.lawgazette-weekly.example/news/compulsory-mediation",
        "LinkedIn, X",
        "New",
        "",
        {"flags": "Link goes to a page that asks for a subscription"},
    ),
)


def _queue_rows(
    today: date, rng: random.Random
) -> tuple[list[dict[str, str]], list[dict[str, str]]]:
    """Queue rows, and the Submissions rows for the staff items that came through the form."""
    published = [i for i, q in enumerate(_QUEUE) if q[6] == "Published"]
    special = {"overdue", "outside_window"}
    scheduled = [i for i, q in enumerate(_QUEUE) if q[6] == "Scheduled" and not special & set(q[8])]
    queue: list[dict[str, str]] = []
    submissions: list[dict[str, str]] = []
    taken: set[tuple[date, str]] = set()  # (day, channel) already holding a post
    past = (today - timedelta(days=35), today - timedelta(days=1))
    ahead = (today + timedelta(days=1), today + timedelta(days=13))
    coordinators = [email_of(n) for n in COORDINATORS]
    for i, (kind, stype, headline, details, link, channels, status, submitter, extra) in enumerate(
        _QUEUE
    ):
        qid = f"Q-{i + 1:04d}"
        chans = [c.strip() for c in channels.split(",")]
        if link.startswith("/"):
            link = SITE + link
        scheduled_for = published_at = post_url = ""
        if status == "Published":
            # Spread over the last five weeks, newest last, each inside its channel's slot.
            n = published.index(i)
            back = 34 - round(n * 33 / max(1, len(published) - 1))
            day, hh, mm = _find_slot(today - timedelta(days=back), chans, -1, rng, taken, past)
            scheduled_for = published_at = _dt(day, hh, mm)
            post_url = _POST_URLS[chans[0]](rng)
            created_day = day - timedelta(days=rng.randint(2, 6))
        elif status == "Scheduled" and extra.get("overdue"):
            # Was due on the last posting day before today and never went out.
            day, hh, mm = _find_slot(today - timedelta(days=1), chans, -1, rng, set(), past)
            scheduled_for = _dt(day, hh, mm)
            created_day = day - timedelta(days=6)
        elif status == "Scheduled" and extra.get("outside_window"):
            day, _hh, _mm = _find_slot(today + timedelta(days=2), chans, 1, rng, taken, ahead)
            scheduled_for = _dt(day, 17, 30)  # X posts 12:00-13:00: this one is outside
            created_day = today - timedelta(days=3)
        elif status == "Scheduled":
            # Spread over the next two weeks, leaving gaps for check-cadence to find.
            n = scheduled.index(i)
            target = today + timedelta(days=1 + round(n * 12 / max(1, len(scheduled) - 1)))
            day, hh, mm = _find_slot(target, chans, 1, rng, taken, ahead)
            scheduled_for = _dt(day, hh, mm)
            created_day = today - timedelta(days=rng.randint(3, 10))
        elif status == "Approved":
            created_day = today - timedelta(days=rng.randint(3, 12))
        elif status == "Rejected":
            created_day = today - timedelta(days=rng.randint(6, 25))
        else:  # New
            created_day = today - timedelta(days=rng.randint(1, 4))
        created_h, created_m = rng.randint(8, 17), rng.choice(range(0, 60, 1))
        created = _dt(created_day, created_h, created_m)
        reviewer = "" if status == "New" else rng.choice(coordinators)
        origin = ""
        submitted_by = email_of(submitter) if submitter else ""
        if submitter:
            stamp = datetime.combine(created_day, time(created_h, created_m, rng.randint(0, 59)))
            rid = response_id("submissions", stamp.isoformat(), submitted_by)
            origin = f"Form response {rid}"
            submissions.append(
                _row(
                    "Submissions",
                    response_id=rid,
                    submitted_at=created,
                    email=submitted_by,
                    name=submitter,
                    content_type=stype,
                    headline=headline,
                    details=details,
                    link=link,
                    suggested_channels=channels,
                    preferred_date=scheduled_for[:10] if status == "Scheduled" else "",
                    permission="Yes",
                    status="Accepted",
                    queue_id=qid,
                )
            )
        elif stype == "Alert":
            origin = f"Google Alerts tag:google.com,2013:googlealerts/feed:{_digits(rng, 19)}"
        elif stype == "Newsletter":
            origin = f"Mail <{_digits(rng, 14)}.{_token(rng, 8)}@{DOMAIN}>"
        elif stype == "News release":
            origin = f"Newsroom {link}"
        queue.append(
            _row(
                "Queue",
                id=qid,
                created=created,
                source_kind=kind,
                source_type=stype,
                headline=headline,
                details=details,
                link=link,
                submitted_by=submitted_by,
                channels=channels,
                status=status,
                scheduled_for=scheduled_for,
                published_at=published_at,
                post_url=post_url,
                flags=extra.get("flags", ""),
                reviewer=reviewer,
                notes=extra.get("notes", ""),
                origin=origin,
            )
        )
    submissions.extend(_rejected_submissions(today, rng))
    submissions.sort(key=lambda r: r["submitted_at"])
    return queue, submissions


def _queue_id_of(headline_start: str) -> str:
    """The demo Queue ID of the catalogue item whose headline starts so."""
    for i, item in enumerate(_QUEUE):
        if item[2].startswith(headline_start):
            return f"Q-{i + 1:04d}"
    raise KeyError(headline_start)


def _rejected_submissions(today: date, rng: random.Random) -> list[dict[str, str]]:
    """Past responses sync-forms turned away, each with the reason it gave."""
    items = (
        (
            "Jordan Blake",
            "jordan.blake.pr@outlook.example",
            "Other",
            "Guest post offer: 10 SEO tips for law firms",
            "We write high-quality content for your blog.",
            "https://seo-linkbuilders.example/offer",
            "Yes",
            "Sent from outside greenfield-law.example: only staff can submit",
        ),
        (
            "Nathan Price",
            email_of("Nathan Price"),
            "Event",
            "Five-a-side tournament photos",
            "Photos from the inter-firm football on Sunday.",
            "javascript:void(0)",
            "Yes",
            "The link is not an http(s) address",
        ),
        (
            "Anjali Desai",
            email_of("Anjali Desai"),
            "Client achievement",
            "Mrs Hardcastle's estate finally settled",
            "After three years the family agreed.",
            "",
            "No",
            "No permission to share publicly",
        ),
        (
            "Edward Lin",
            email_of("Edward Lin"),
            "Industry article",
            "Five things SMEs get wrong about shareholder agreements",
            "Great article, we should share.",
            "https://www.smallbusinessdaily.example/shareholder-agreements",
            "Yes",
            f"Already in the queue as {_queue_id_of('Five things SMEs get wrong')}",
        ),
    )
    rows = []
    for n, (name, email, ctype, headline, details, link, permission, reason) in enumerate(items):
        day = today - timedelta(days=4 + 6 * n + rng.randint(0, 3))
        hh, mm, ss = rng.randint(8, 18), rng.randint(0, 59), rng.randint(0, 59)
        stamp = datetime.combine(day, time(hh, mm, ss))
        rows.append(
            _row(
                "Submissions",
                response_id=response_id("submissions", stamp.isoformat(), email),
                submitted_at=_dt(day, hh, mm),
                email=email,
                name=name,
                content_type=ctype,
                headline=headline,
                details=details,
                link=link,
                suggested_channels="LinkedIn",
                permission=permission,
                status="Rejected",
                reason=reason,
            )
        )
    return rows


# --------------------------------------------------------------------------- goals, rota

_GOALS = (
    (
        "Be the go-to voice on employment law in Yorkshire",
        "Employment work is our fastest-growing practice and most of it starts with a referral",
        "Employment posts published",
        "8",
        "Month",
        "Fiona MacLeod",
        "Active",
    ),
    (
        "Post steadily on every channel we run",
        "An account that goes quiet for weeks looks like a firm that has closed",
        "Posts published against the plan",
        "14",
        "Week",
        "Priya Shah",
        "Active",
    ),
    (
        "Get staff sharing their own good news",
        "Stories from our people reach further than anything the firm posts",
        "Staff submissions accepted",
        "6",
        "Month",
        "Helen Marsh",
        "Active",
    ),
    (
        "Answer every mention and message within a working day",
        "Clients judge us on how quickly we reply, online as much as on the phone",
        "Share of mentions answered within 24 hours (%)",
        "90",
        "Month",
        "Tom Whitfield",
        "Active",
    ),
    (
        "Everyone has read the current social media policy",
        "The SRA expects us to show staff know the rules on confidentiality online",
        "Active staff who acknowledged the current version (%)",
        "95",
        "Quarter",
        "Eleanor Hughes",
        "Active",
    ),
    (
        "Launch the YouTube explainer series",
        "Short videos answer the questions clients ask most",
        "Explainer videos published",
        "6",
        "Quarter",
        "Grace Adeyemi",
        "Achieved",
    ),
)


def _goal_rows() -> list[dict[str, str]]:
    return [
        _row("Goals", goal=g, why=w, metric=m, target=t, period=p, owner=email_of(o), status=s)
        for g, w, m, t, p, o, s in _GOALS
    ]


def _rota_rows(today: date) -> list[dict[str, str]]:
    notes = {
        -5: "Swapped with Grace (holiday)",
        -2: "Employment Law Conference: Chloe posts live on X",
        0: "Priya away one day: Oliver covers",
        2: "Training contract applications close Friday",
        3: "Priya and Oliver both out on Wednesday",
    }
    monday = _monday(today)
    rows = []
    for week in range(-6, 7):
        rows.append(
            _row(
                "Rota",
                week_starting=(monday + timedelta(weeks=week)).isoformat(),
                coordinator=email_of(COORDINATORS[week % 3]),
                backup=email_of(BACKUPS[week % 3]),
                notes=notes.get(week, ""),
            )
        )
    return rows


def _absence_rows(today: date) -> list[dict[str, str]]:
    """Absences: this week's coordinator is away today (Friday if today is a weekend), and
    week +3's coordinator and backup are both away on its Wednesday."""
    monday = _monday(today)
    away = today if today.weekday() < 5 else monday + timedelta(days=4)

    def day(week: int, weekday: int) -> date:
        return monday + timedelta(weeks=week, days=weekday)

    rows = [
        (COORDINATORS[0], away, away, "Medical appointment"),  # rota week 0's coordinator
        (COORDINATORS[0], day(3, 2), day(3, 2), "Client training day in York"),  # week +3's pair
        (BACKUPS[0], day(3, 2), day(3, 2), "Leeds Law Society AGM"),
        (BACKUPS[1], day(-2, 1), day(-2, 2), "Employment Law Conference"),
        (COORDINATORS[1], day(2, 0), day(2, 4), "Annual leave"),  # not on duty that week
        ("Aisha Rahman", day(-1, 0), day(-1, 4), "Annual leave"),
    ]
    return [
        _row(
            "Absences", email=email_of(n), from_date=f.isoformat(), to_date=t.isoformat(), note=note
        )
        for n, f, t, note in rows
    ]


# --------------------------------------------------------------------------- mentions

# (kind, source, title, snippet, url, status, days ago, hour, hours to answer, assignee index, notes)
_MENTIONS: tuple[tuple[str, str, str, str, str, str, int, int, float | None, int, str], ...] = (
    (
        "Mention",
        "Google Alerts",
        "Greenfield Law advises Aldermoor Engineering on expansion",
        "Leeds firm Greenfield Law has advised Aldermoor Engineering on its £12m...",
        "https://www.yorkshiredeals.example/aldermoor-expansion",
        "No action",
        27,
        9,
        None,
        0,
        "",
    ),
    (
        "Compliment",
        "LinkedIn",
        "Comment on our hybrid working guide",
        "Really clear guide, shared it with our whole HR team. Thank you!",
        "https://www.linkedin.com/feed/update/urn:li:activity:7260000000000000001/",
        "Responded",
        26,
        11,
        2.5,
        0,
        "Thanked and passed on to Aisha",
    ),
    (
        "Question",
        "X",
        "@GreenfieldLawUK do you do no-win-no-fee for tribunal claims?",
        "do you do no-win-no-fee for unfair dismissal claims?",
        "https://x.com/k_morgan88/status/1850000000000000001",
        "Responded",
        24,
        14,
        3.0,
        1,
        "Replied with the Employment enquiries page",
    ),
    (
        "Criticism",
        "Google Alerts",
        "Review: 'slow to return calls'",
        "I waited a week for a call back about my mum's probate...",
        "https://www.reviewtrust.example/review/greenfield-law/88213",
        "Passed on",
        23,
        10,
        None,
        0,
        "Passed to Rajesh Mehta to call the reviewer",
    ),
    (
        "Direct message",
        "Facebook",
        "Message about the Chapeltown clinic",
        "Hi, is the free clinic on this Saturday? Do I need to bring anything?",
        "https://www.facebook.com/GreenfieldLawLeeds/inbox",
        "Responded",
        22,
        19,
        14.0,
        2,
        "Answered next morning",
    ),
    (
        "Mention",
        "X",
        "Northern Law Directory results thread",
        "Congrats to @GreenfieldLawUK on Tier 1 again",
        "https://x.com/northernlawdir/status/1851000000000000002",
        "No action",
        20,
        12,
        None,
        1,
        "",
    ),
    (
        "Compliment",
        "Instagram",
        "Comment on the open evening post",
        "Came to the open evening, everyone was so welcoming!",
        "https://www.instagram.com/p/CaB3dE4fG5h/",
        "Responded",
        18,
        20,
        16.5,
        2,
        "",
    ),
    (
        "Question",
        "LinkedIn",
        "Question on the ESG webinar",
        "Will the slides be shared afterwards?",
        "https://www.linkedin.com/feed/update/urn:li:activity:7260000000000000002/",
        "Responded",
        17,
        9,
        1.0,
        0,
        "",
    ),
    (
        "Criticism",
        "X",
        "Complaint about webinar sound quality",
        "@GreenfieldLawUK couldn't hear a word of the second half of the webinar",
        "https://x.com/hr_sam_t/status/1852000000000000003",
        "Responded",
        15,
        13,
        4.0,
        1,
        "Apologised; sent the recording link",
    ),
    (
        "Direct message",
        "LinkedIn",
        "Recruiter asking for a call",
        "Hi, I place senior associates in the North, would love to chat.",
        "https://www.linkedin.com/messaging/thread/2-MTIzNDU2Nzg5/",
        "No action",
        14,
        16,
        None,
        0,
        "Sales message",
    ),
    (
        "Mention",
        "Google Alerts",
        "Greenfield Law quoted on the four-day week",
        "...said Aisha Rahman of Greenfield Law, adding that contracts...",
        "https://www.northernbusinessdaily.example/four-day-week-legal",
        "No action",
        13,
        8,
        None,
        2,
        "Also queued as content",
    ),
    (
        "Question",
        "Facebook",
        "Are you open on bank holiday Monday?",
        "Are your offices open on the bank holiday?",
        "https://www.facebook.com/GreenfieldLawLeeds/posts/pfbid0Qx7yZ",
        "Responded",
        12,
        17,
        40.0,
        1,
        "Missed over the weekend",
    ),
    (
        "Compliment",
        "Google Alerts",
        "Charity run thanks Greenfield Law volunteers",
        "...a special thank you to the team from Greenfield Law...",
        "https://www.leedslocal.example/news/charity-run-8000",
        "Passed on",
        10,
        9,
        None,
        2,
        "Passed on to the volunteers via Helen",
    ),
    (
        "Direct message",
        "Instagram",
        "Trainee applicant asking about deadlines",
        "Hi! When do training contract applications close this year?",
        "https://www.instagram.com/direct/t/340282366841710300949128/",
        "Responded",
        9,
        10,
        5.0,
        0,
        "",
    ),
    (
        "Mention",
        "LinkedIn",
        "Client shares our King's Award post",
        "Proud to have Greenfield Law in our corner",
        "https://www.linkedin.com/feed/update/urn:li:activity:7260000000000000003/",
        "No action",
        8,
        15,
        None,
        1,
        "",
    ),
    (
        "Criticism",
        "Facebook",
        "Comment on parking at the breakfast seminar",
        "Nowhere to park near your office, missed half of it.",
        "https://www.facebook.com/GreenfieldLawLeeds/posts/pfbid0Pk2mN",
        "Responded",
        7,
        11,
        6.0,
        2,
        "Sent directions and the car park details",
    ),
    (
        "Question",
        "X",
        "Do you handle Court of Protection deputyships?",
        "@GreenfieldLawUK do you do deputyship applications?",
        "https://x.com/jen_w_leeds/status/1853000000000000004",
        "Responded",
        6,
        12,
        2.0,
        0,
        "",
    ),
    (
        "Mention",
        "Google Alerts",
        "Top 50 regional law firms list",
        "...31. Greenfield Law (Leeds, Harrogate)...",
        "https://www.lawyers-north.example/top-50-regional-firms",
        "No action",
        5,
        7,
        None,
        1,
        "",
    ),
    (
        "Direct message",
        "LinkedIn",
        "Enquiry about an employment contract review",
        "Could someone look at my new contract before I sign? It has a 12-month non-compete.",
        "https://www.linkedin.com/messaging/thread/2-OTg3NjU0MzIx/",
        "New",
        4,
        16,
        None,
        0,
        "",
    ),
    (
        "Direct message",
        "Facebook",
        "Message asking for a will appointment",
        "My dad wants to update his will, can someone visit him at home?",
        "https://www.facebook.com/GreenfieldLawLeeds/inbox",
        "New",
        3,
        10,
        None,
        1,
        "",
    ),
    (
        "Criticism",
        "Google Alerts",
        "Forum thread on fees",
        "Anyone else find Greenfield Law's fixed fees hard to pin down?",
        "https://www.legalforum-uk.example/threads/greenfield-law-fees.48213",
        "New",
        3,
        8,
        None,
        0,
        "",
    ),
    (
        "Direct message",
        "X",
        "DM about a press enquiry",
        "Hi, journalist at Northern Business Daily, can Fiona comment on tribunal fees?",
        "https://x.com/messages/1853000000-1854000000",
        "New",
        2,
        15,
        None,
        2,
        "Urgent: press",
    ),
    (
        "Compliment",
        "LinkedIn",
        "Comment on Aisha's award post",
        "So well deserved, Aisha helped our care workers enormously.",
        "https://www.linkedin.com/feed/update/urn:li:activity:7260000000000000004/",
        "New",
        1,
        13,
        None,
        0,
        "",
    ),
    (
        "Question",
        "Instagram",
        "Question under the Three Peaks post",
        "Is the fundraising page still open?",
        "https://www.instagram.com/p/CbC4eF5gH6i/",
        "New",
        1,
        18,
        None,
        1,
        "",
    ),
    (
        "Mention",
        "Google Alerts",
        "Employment tribunal backlog: what employers should know",
        "...Fiona MacLeod, partner at Greenfield Law, said the backlog...",
        "https://www.employmentlawtoday.example/tribunal-backlog",
        "New",
        0,
        7,
        None,
        2,
        "",
    ),
)


def _mention_rows(today: date, rng: random.Random) -> list[dict[str, str]]:
    handlers = [email_of(n) for n in (*COORDINATORS[:1], BACKUPS[0], COORDINATORS[2])]
    rows = []
    for n, (kind, source, title, snippet, url, status, ago, hour, answer, who, notes) in enumerate(
        _MENTIONS
    ):
        found = datetime.combine(today - timedelta(days=ago), time(hour, rng.randint(0, 59)))
        responded = ""
        if answer is not None:
            responded = (found + timedelta(hours=answer, minutes=rng.randint(0, 20))).strftime(
                "%Y-%m-%d %H:%M"
            )
        rows.append(
            _row(
                "Mentions",
                id=f"M-{n + 1:04d}",
                found_at=found.strftime("%Y-%m-%d %H:%M"),
                source=source,
                kind=kind,
                title=title,
                snippet=snippet,
                url=url,
                status=status,
                assigned_to="" if status == "No action" else handlers[who],
                responded_at=responded,
                notes=notes,
            )
        )
    return rows


# --------------------------------------------------------------------------- policies

# (kind, title, text, version, effective days ago, last reviewed days ago, owner)
_POLICIES = (
    (
        "Policy",
        "Follow the published policies",
        "The firm's code of conduct, information security policy and the SRA Standards and "
        "Regulations apply online exactly as they do in the office. If a post would break one of "
        "them, it breaks this policy too. When in doubt, ask the social media coordinator before "
        "you post.",
        "2.0",
        160,
        40,
        "Eleanor Hughes",
    ),
    (
        "Policy",
        "Protect confidential and proprietary information",
        "Never post anything about a matter, a deal, a dispute or the firm's business that has not "
        "been made public by the firm. That includes photos of screens, whiteboards and documents in "
        "the background. If you are not sure whether something is public, treat it as confidential.",
        "2.1",
        18,
        18,
        "Eleanor Hughes",
    ),
    (
        "Policy",
        "Disclose your affiliation",
        "When you comment on legal topics, on the firm or on our clients' sectors, say that you work "
        "at Greenfield Law. Make clear that your views are your own unless you are posting on the "
        "firm's accounts. Never post anonymously about the firm or its competitors.",
        "2.0",
        160,
        60,
        "Eleanor Hughes",
    ),
    (
        "Guideline",
        "Use common sense and courtesy",
        "Write as you would speak to a client in reception: polite, clear and calm. Do not argue "
        "with critics in public; pass criticism to the coordinator, who will reply. Avoid jokes about "
        "cases, courts or colleagues.",
        "2.0",
        160,
        200,
        "Fiona MacLeod",
    ),
    (
        "Guideline",
        "Mind the mix of business and personal",
        "Your personal accounts are yours, but people will still connect them with the firm. Keep "
        "work posts professional and keep personal opinions on politics and religion off posts that "
        "name the firm. You may share the firm's posts from your own accounts; please do.",
        "2.0",
        160,
        60,
        "Fiona MacLeod",
    ),
    (
        "Guideline",
        "Keep your day job first",
        "Social media should support your work, not replace it. Post and comment in reasonable "
        "amounts during working hours, and never let it delay client work or deadlines.",
        "2.0",
        160,
        75,
        "Fiona MacLeod",
    ),
    (
        "Policy",
        "Respect copyright",
        "Only share images, videos and text you have the right to use: your own, the firm's, or "
        "material whose licence allows it. Link to articles rather than copying them, and credit "
        "photographers. Ask the coordinator if you need a licensed image.",
        "2.0",
        160,
        250,
        "Eleanor Hughes",
    ),
    (
        "Policy",
        "Protect client, staff, partner and supplier information",
        "Never name a client, colleague, partner or supplier, or post their picture, without their "
        "written consent on file. Do not confirm or deny that anyone is a client. Consent for client "
        "news is recorded by the partner responsible before the post goes out.",
        "2.0",
        160,
        90,
        "Eleanor Hughes",
    ),
    (
        "Guideline",
        "Pass on compliments and criticism",
        "If you see praise or a complaint about the firm online, send the link to the social media "
        "coordinator instead of replying yourself. We answer every mention within a working day, "
        "and complaints go to the responsible partner.",
        "2.0",
        160,
        30,
        "Fiona MacLeod",
    ),
    (
        "Guideline",
        "The internet is permanent",
        "Assume anything you post will be screenshotted and kept, even if you delete it or your "
        "account is private. Before posting, ask whether you would be happy to see it quoted in the "
        "local paper next to the firm's name.",
        "2.0",
        160,
        120,
        "Eleanor Hughes",
    ),
)


def _policy_rows(today: date) -> list[dict[str, str]]:
    return [
        _row(
            "Policies",
            id=f"P-{n + 1:02d}",
            kind=kind,
            title=title,
            text=text,
            version=version,
            effective=(today - timedelta(days=eff)).isoformat(),
            last_reviewed=(today - timedelta(days=rev)).isoformat(),
            owner=email_of(owner),
            status="Current",
        )
        for n, (kind, title, text, version, eff, rev, owner) in enumerate(_POLICIES)
    ]


def _active_staff() -> list[str]:
    return [r["email"] for r in _people_rows() if r["active"] == "Yes"]


def _acknowledgement_rows(
    today: date, rng: random.Random
) -> tuple[list[dict[str, str]], list[str]]:
    """About 60% of active staff on the current version, a few on the old one.

    Returns the rows and the people who still have to acknowledge the current
    version (the CSV export's new responses come from them).
    """
    people = [e for e in _active_staff() if e.endswith("@" + DOMAIN)]
    shuffled = people[:]
    rng.shuffle(shuffled)
    current = shuffled[: round(len(people) * 0.6)]
    rest = shuffled[len(current) :]
    old = rest[:6]
    rows = []
    for email in old:
        day = today - timedelta(days=rng.randint(200, 300))
        stamp = datetime.combine(day, time(rng.randint(8, 17), rng.randint(0, 59)))
        rows.append((email, OLD_POLICY_VERSION, stamp))
    # Current acknowledgements came in after the version changed 18 days ago.
    for email in current:
        day = today - timedelta(days=rng.randint(1, 17))
        stamp = datetime.combine(day, time(rng.randint(8, 17), rng.randint(0, 59)))
        rows.append((email, POLICY_VERSION, stamp))
    rows.sort(key=lambda r: r[2])
    out = [
        _row(
            "Acknowledgements",
            response_id=response_id("acknowledgements", stamp.isoformat(), email),
            email=email,
            policy_version=version,
            acknowledged_at=stamp.strftime("%Y-%m-%d %H:%M"),
        )
        for email, version, stamp in rows
    ]
    return out, sorted(rest)


# --------------------------------------------------------------------------- all tabs


def demo_rows(today: date, seed: int = 7) -> dict[str, list[dict[str, str]]]:
    """Every tab's rows for the demo program, keyed by field, all text, relative to `today`.

    Cadence, Sent, Runs and Crises are empty: the jobs fill them.
    """
    queue, submissions = _queue_rows(today, _stream(seed, "queue"))
    acks, _pending = _acknowledgement_rows(today, _stream(seed, "acknowledgements"))
    rows: dict[str, list[dict[str, str]]] = {name: [] for name in TABS}
    rows["Goals"] = _goal_rows()
    rows["Channels"] = [
        _row(
            "Channels",
            channel=c,
            handle=h,
            purpose=p,
            posts_per_week=n,
            post_days=d,
            post_window=w,
            active="Yes",
        )
        for c, h, p, n, d, w in _CHANNELS
    ]
    rows["People"] = [_row("People", **r) for r in _people_rows()]
    rows["Rota"] = _rota_rows(today)
    rows["Absences"] = _absence_rows(today)
    rows["Queue"] = queue
    rows["Submissions"] = submissions
    rows["Mentions"] = _mention_rows(today, _stream(seed, "mentions"))
    rows["Policies"] = _policy_rows(today)
    rows["Acknowledgements"] = acks
    rows["Feedback"] = _feedback_rows(today)
    rows["Program"] = [
        _row(
            "Program",
            setting="Crisis Mode",
            value="Off",
            note="On pauses scheduled posts and alerts the coordinators; "
            "`chorus crisis start` and `chorus crisis end` flip it too.",
        ),
        _row(
            "Program",
            setting="Policy Version",
            value=POLICY_VERSION,
            note="The version staff acknowledge on the form; raise it when the policy changes.",
        ),
    ]
    return rows


def _feedback_rows(today: date) -> list[dict[str, str]]:
    changed = datetime.combine(today - timedelta(days=26), time(14, 12, 40))
    new = datetime.combine(today - timedelta(days=6), time(9, 48, 5))
    return [
        _row(
            "Feedback",
            response_id=response_id("feedback", changed.isoformat(), email_of("Hugo Lambert")),
            submitted_at=changed.strftime("%Y-%m-%d %H:%M"),
            email=email_of("Hugo Lambert"),
            section="Tools",
            text="The guide doesn't say how to share a firm post from my own LinkedIn. "
            "A screenshot or two would help.",
            contact="Yes",
            status="Changed",
            reply="Added 'Sharing a firm post' with screenshots to the Tools section.",
        ),
        _row(
            "Feedback",
            response_id=response_id("feedback", new.isoformat(), email_of("Zara Ahmed")),
            submitted_at=new.strftime("%Y-%m-%d %H:%M"),
            email=email_of("Zara Ahmed"),
            section="Policy and guidelines",
            text="Can we have an example of what counts as 'confidential' for litigation "
            "matters that have already been in the press?",
            contact="No",
            status="New",
        ),
    ]


# --------------------------------------------------------------------------- form exports


def _gb(stamp: datetime) -> str:
    """A timestamp as a Google Sheet in the en-GB locale shows it (and exports it)."""
    return stamp.strftime("%d/%m/%Y %H:%M:%S")


def _write_csv(path: Path, form: str, answers: list[tuple[datetime, str, list[str]]]) -> None:
    """Google Forms' CSV export: Timestamp, Email Address, then each question title."""
    header = export_header(form)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)  # quotes fields with commas, quotes and newlines as Sheets does
        writer.writerow(header)
        for stamp, email, values in sorted(answers, key=lambda a: a[0]):
            if len(values) != len(header) - 2:
                raise ValueError(f"{form}: answer has {len(values)} values for {header}")
            writer.writerow([_gb(stamp), email, *values])


def _new_submissions(today: date) -> list[tuple[datetime, str, list[str]]]:
    """New form responses since the last sync, including the ones screening must catch."""
    d = [today - timedelta(days=n) for n in range(6)]

    def at(day: int, hh: int, mm: int, ss: int) -> datetime:
        return datetime.combine(d[day], time(hh, mm, ss))

    preferred = (today + timedelta(days=9)).strftime("%d/%m/%Y")
    return [
        (
            at(4, 9, 12, 44),
            email_of("Jessica Wong"),
            [
                "Jessica Wong",
                "Employee award",
                "Tariq Hussain called to the Bar of England and Wales",
                "Tariq was called at Lincoln's Inn last night after qualifying through the firm's "
                "sponsorship scheme.",
                "",
                "LinkedIn, Instagram",
                "",
                "Yes",
            ],
        ),
        (
            at(4, 13, 2, 9),
            "dave.kowalski1987@gmail.com",
            [
                "Dave Kowalski",
                "Other",
                "Please share my new business page!!",
                "I run a removals firm in Leeds, would be great if you could share my page.",
                "https://www.facebook.com/kowalskiremovals",
                "Facebook",
                "",
                "Yes",
            ],
        ),
        (
            at(3, 10, 31, 57),
            email_of("Nathan Price"),
            [
                "Nathan Price",
                "Event",
                "Inter-firm quiz: we won!",
                "Litigation took the trophy at the Leeds inter-firm quiz.",
                "javascript:alert(document.cookie)",
                "X, Instagram",
                "",
                "Yes",
            ],
        ),
        (
            at(3, 15, 47, 3),
            email_of("Ben Castillo"),
            [
                "Ben Castillo",
                "Industry article",
                '=HYPERLINK("http://evil.example","click")',
                "Saw this on a forum, looks interesting.",
                "http://evil.example/article",
                "X",
                "",
                "Yes",
            ],
        ),
        (
            at(2, 11, 5, 30),
            email_of("Harriet Cole"),
            [
                "Harriet Cole",
                "Client achievement",
                "Brightwater Foods wins export award",
                "Confidential until Friday: Brightwater's MD told me on the phone. Call me on "
                "07700 900123 for the details before we post.",
                "",
                "LinkedIn",
                "",
                "Yes",
            ],
        ),
        (
            at(2, 16, 20, 11),
            email_of("Lucy Fairbairn"),
            [
                "Lucy Fairbairn",
                "Partner achievement",
                "Roundhay Park Trust wins Green Flag award",
                "The trust we planted trees with has won a Green Flag. I think they'd be happy for us "
                "to share but I haven't asked.",
                "https://www.roundhaytrust.example/green-flag",
                "Facebook",
                "",
                "Not sure",
            ],
        ),
        (
            at(1, 9, 58, 41),
            email_of("Emily Walsh"),
            [
                "Emily Walsh",
                "Community service",
                "Employment team's sleep-out for St George's Crypt",
                "We slept out on Friday, raised £2,310 so far.\nThanks to everyone who donated, "
                'especially "Team Tribunal" (George, Niamh, Callum).\nPhotos: see the shared drive, '
                "folder 'Sleep-out, November'.",
                "https://www.justgiving.com/page/greenfield-sleepout",
                "Facebook, Instagram, LinkedIn",
                preferred,
                "Yes",
            ],
        ),
        (
            at(1, 14, 14, 2),
            email_of("Kwame Mensah"),
            [
                "Kwame Mensah",
                "Client achievement",
                "Lumen Analytics opens its new Leeds HQ",
                "Lumen (our client since the Series B) has moved into Wellington Place; they have "
                "said we may mention that we advised on the lease.",
                "https://www.lumen-analytics.example/press/leeds-hq?utm_source=linkedin&utm_medium=social",
                "LinkedIn",
                "",
                "Yes",
            ],
        ),
        (
            at(1, 17, 40, 26),
            email_of("Rosie Evans"),
            [
                "Rosie Evans",
                "Event",
                "Free wills week at the Harrogate office",
                "Private Client is running a free wills week for charity donations in the spring.",
                f"{SITE}/events/free-wills-week",
                "Facebook, LinkedIn",
                (today + timedelta(days=20)).strftime("%d/%m/%Y"),
                "Yes",
            ],
        ),
        (
            at(0, 7, 55, 18),
            email_of("Samuel Osei"),
            [
                "Samuel Osei",
                "Industry article",
                "Companies House fees rise next month",
                "Short piece worth sharing with our SME clients.",
                "https://www.companylawdigest.example/fees-rise?utm_source=newsletter&utm_campaign=weekly",
                "X",
                "",
                "Yes",
            ],
        ),
    ]


def _new_feedback(today: date) -> list[tuple[datetime, str, list[str]]]:
    return [
        (
            datetime.combine(today - timedelta(days=2), time(12, 30, 15)),
            email_of("Niamh Kelly"),
            [
                "Process",
                "How long does it usually take from submitting something to it being "
                "posted? A rough timescale in the guide would help.",
                "Yes",
            ],
        ),
        (
            datetime.combine(today - timedelta(days=1), time(16, 5, 49)),
            email_of("Felix Andersson"),
            [
                "Goals",
                "Love the goals page. Could it show how we're doing against each one, "
                "not just the targets?",
                "No",
            ],
        ),
    ]


# --------------------------------------------------------------------------- feeds


def _iso_utc(local: datetime) -> str:
    return local.replace(tzinfo=TZ).astimezone(ZoneInfo("UTC")).strftime("%Y-%m-%dT%H:%M:%SZ")


def _alerts_feed(today: date, rng: random.Random) -> str:
    """A Google Alerts Atom feed, byte for byte in Google's shape."""
    user, alert = _digits(rng, 20), _digits(rng, 20)
    start = datetime.combine(today, time(7, 0))
    # (hours before 07:00 today, title html, target url, content html)
    entries = (
        (
            2,
            "<b>Greenfield Law</b> advises Aldermoor Engineering on £12m expansion",
            "https://www.yorkshiredeals.example/news/aldermoor-engineering-12m-expansion",
            "Leeds-based <b>Greenfield Law</b> has advised Aldermoor Engineering on the &pound;12m "
            "expansion of its Castleford plant, creating 80 jobs&nbsp;...",
        ),
        (
            5,
            "Reviews: &#39;Slow to return calls&#39; - <b>Greenfield Law</b> Leeds",
            "https://www.reviewtrust.example/review/greenfield-law/90417",
            "Really disappointed with <b>Greenfield Law</b>. Nobody returned my calls for two weeks "
            "and I was charged for letters I didn&#39;t ask for&nbsp;...",
        ),
        (
            9,
            "Employment tribunal backlog: what employers should know",
            "https://www.employmentlawtoday.example/tribunal-backlog-employers",
            "Fiona MacLeod, partner at <b>Greenfield Law</b>, said the backlog &quot;hurts "
            "employers and employees alike&quot;&nbsp;...",
        ),
        (
            14,
            "<b>Greenfield Law</b> advises Aldermoor Engineering on £12m expansion - Insider",
            "https://www.yorkshiredeals.example/news/aldermoor-engineering-12m-expansion",
            "Syndicated: Leeds-based <b>Greenfield Law</b> has advised Aldermoor Engineering "
            "on the &pound;12m expansion&nbsp;...",
        ),
        (
            20,
            "Charity sleep-out raises £2,000 for St George&#39;s Crypt",
            "https://www.leedslocal.example/news/sleep-out-st-georges-crypt",
            "Staff from law firm <b>Greenfield Law</b> spent the night outdoors &amp; raised more "
            "than &pound;2,000&nbsp;...",
        ),
        (
            27,
            "Webinar: the Employment Rights Bill for small businesses | <b>Greenfield Law</b>",
            "https://www.hrweekly.example/events/erb-small-business-greenfield",
            "Join <b>Greenfield Law</b>&#39;s employment team for a free 45-minute webinar&nbsp;...",
        ),
        (
            33,
            "Does <b>Greenfield Law</b> do free initial consultations? - Legal Forum UK",
            "https://www.legalforum-uk.example/threads/free-consultations-leeds.49102",
            "Has anyone used <b>Greenfield Law</b>? Do they do a free first meeting for wills "
            "or is it charged&nbsp;...",
        ),
        (
            40,
            "Top 50 regional law firms: <b>Greenfield Law</b> climbs to 31st",
            "https://www.lawyers-north.example/top-50-regional-firms-2",
            "... 31. <b>Greenfield Law</b> (Leeds, Harrogate), up from 38th, with revenue "
            "growth of 14%&nbsp;...",
        ),
    )
    stamps = [start - timedelta(hours=h, minutes=rng.randint(0, 59)) for h, *_ in entries]
    parts = [
        '<?xml version="1.0" encoding="utf-8"?>',
        '<feed xmlns="http://www.w3.org/2005/Atom" xmlns:idx="urn:atom-extension:indexing">',
        f"<id>tag:google.com,2005:reader/user/{user}/state/com.google/alerts/{alert}</id>",
        "<title>Google Alert - Greenfield Law</title>",
        f'<link href="https://www.google.com/alerts/feeds/{user}/{alert}" rel="self"></link>',
        f"<updated>{_iso_utc(stamps[0])}</updated>",
    ]
    for (_h, title, url, content), stamp in zip(entries, stamps, strict=True):
        cd = "CAIyH" + _token(rng, 30)
        usg = "AOvVaw" + _token(rng, 22)
        google = f"https://www.google.com/url?rct=j&sa=t&url={url}&ct=ga&cd={cd}&usg={usg}"
        parts += [
            f"<entry><id>tag:google.com,2013:googlealerts/feed:{_digits(rng, 20)}</id>",
            f'<title type="html">{escape(title)}</title>',
            f'<link href="{escape(google, {chr(34): "&quot;"})}"></link>',
            f"<published>{_iso_utc(stamp)}</published>",
            f"<updated>{_iso_utc(stamp)}</updated>",
            f'<content type="html">{escape(content)}</content>',
            "<author><name></name></author></entry>",
        ]
    parts.append("</feed>")
    return "".join(parts)


def _newsroom_feed(today: date) -> str:
    """The firm's own newsroom as RSS 2.0: content the queue should pick up (one is already in it)."""
    items = (
        (
            1,
            "Greenfield Law appoints its first Head of ESG",
            "/news/head-of-esg",
            "News release",
            "Leah Goldberg will lead our work with clients on sustainability reporting.",
        ),
        (
            2,
            "Breakfast briefing: the Employment Rights Bill in 45 minutes",
            "/events/erb-breakfast-briefing",
            "Event",
            "Fiona MacLeod and Tariq Hussain take you through what changes and when.",
        ),
        (
            4,
            "We are supporting Leeds Pride for the fifth year",
            "/news/leeds-pride",
            "News release",
            "Our staff network will march, and we are sponsoring the legal advice tent.",
        ),
        (
            9,
            "Our annual review: 1,240 hours of pro bono advice",
            "/news/annual-review",
            "News release",
            "Highlights from the year: the Chapeltown clinic, tenancy advice and trainee-led cases.",
        ),
        (
            12,
            "Three new partners join our Corporate team",
            "/news/three-new-partners",
            "News release",
            "Welcoming Edward Lin, Harriet Cole and Samuel Osei to the partnership.",
        ),
    )
    lines = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom">',
        "<channel>",
        "<title>Greenfield Law - News</title>",
        f"<link>{SITE}/news</link>",
        "<description>News, events and insights from Greenfield Law, Leeds and Harrogate"
        "</description>",
        "<language>en-gb</language>",
        f'<atom:link href="{SITE}/news/feed.xml" rel="self" type="application/rss+xml"/>',
        f"<lastBuildDate>{rfc2822(datetime.combine(today, time(6, 30), TZ))}</lastBuildDate>",
    ]
    for ago, title, path, category, description in items:
        when = datetime.combine(today - timedelta(days=ago), time(10, 0), TZ)
        lines += [
            "<item>",
            f"<title>{escape(title)}</title>",
            f"<link>{SITE}{path}</link>",
            f'<guid isPermaLink="true">{SITE}{path}</guid>',
            f"<pubDate>{rfc2822(when)}</pubDate>",
            f"<category>{category}</category>",
            f"<description>{escape(description)}</description>",
            "</item>",
        ]
    lines += ["</channel>", "</rss>"]
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------- inbox


def _message_id(rng: random.Random, domain: str) -> str:
    return f"<{_token(rng, 12, '0123456789abcdef')}.{_digits(rng, 6)}@{domain}>"


def _inbox_messages(today: date, rng: random.Random) -> list[EmailMessage]:
    """Mail staff forwarded to the social media inbox in the last few days."""
    social = f"social@{DOMAIN}"
    at = lambda ago, hh, mm: datetime.combine(today - timedelta(days=ago), time(hh, mm), TZ)  # noqa: E731

    def base(sender: str, subject: str, when: datetime, to: str = social) -> EmailMessage:
        msg = EmailMessage(policy=SMTP)
        msg["From"] = sender
        msg["To"] = to
        msg["Subject"] = subject
        msg["Date"] = rfc2822(when)
        msg["Message-ID"] = _message_id(rng, sender.rsplit("@", 1)[-1].rstrip(">"))
        return msg

    messages = []

    # 1. A forwarded Mailchimp newsletter: HTML with tracking links, text alternative.
    track = "https://hrweekly.us1.list-manage.com/track/click"
    u, nid, e = (
        _token(rng, 25, "0123456789abcdef"),
        _token(rng, 10, "0123456789abcdef"),
        _token(rng, 10, "0123456789abcdef"),
    )
    links = [
        f"{track}?u={u}&id={nid}&e={e}",
        f"{track}?u={u}&id={_token(rng, 10, '0123456789abcdef')}&e={e}",
    ]
    article = "https://www.hrweekly.example/fit-notes-reform?utm_source=HR+Weekly&utm_campaign=a1b2c3d4e5-EMAIL_CAMPAIGN&utm_medium=email&utm_term=0_5f6e7d8c9b"
    msg = base(
        f"Jessica Wong <{email_of('Jessica Wong')}>",
        "Fwd: HR Weekly: fit notes reform, SSP changes and more",
        at(2, 8, 41),
    )
    text = (
        "Might be good for X? The fit notes piece especially.\n\nJess\n\n"
        "---------- Forwarded message ---------\n"
        "From: HR Weekly <newsletter@hrweekly.example>\n"
        "Subject: HR Weekly: fit notes reform, SSP changes and more\n\n"
        f"Fit notes reform: who can sign them from April\n{links[0]}\n\n"
        f"SSP: the lower earnings limit goes\n{links[1]}\n\n"
        f"Read on our site: {article}\n"
    )
    html = (
        "<html><body><p>Might be good for X? The fit notes piece especially.</p><p>Jess</p>"
        '<div class="gmail_quote">---------- Forwarded message ---------<br>'
        "From: HR Weekly &lt;newsletter@hrweekly.example&gt;<br><br>"
        '<table width="600" style="font-family:Arial"><tr><td>'
        f'<h2><a href="{escape(links[0])}">Fit notes reform: who can sign them from April</a></h2>'
        "<p>Nurses, pharmacists and physiotherapists will be able to certify time off&hellip;</p>"
        f'<h2><a href="{escape(links[1])}">SSP: the lower earnings limit goes</a></h2>'
        f'<p><a href="{escape(article)}">Read on our site</a></p>'
        f'<img src="https://hrweekly.us1.list-manage.com/track/open.php?u={u}&amp;id={nid}&amp;e={e}"'
        ' width="1" height="1" alt="">'
        "</td></tr></table></div></body></html>"
    )
    msg.set_content(text)
    msg.add_alternative(html, subtype="html")
    msg.set_boundary("000000000000" + _token(rng, 16, "0123456789abcdef"))
    messages.append(msg)

    # 2. A partner's press release, forwarded as plain text.
    msg = base(
        f"Kwame Mensah <{email_of('Kwame Mensah')}>",
        "Fwd: PRESS RELEASE: Northbank Housing Trust starts work on 60 homes in Bramley",
        at(2, 14, 3),
    )
    msg.set_content(
        "Northbank have said we can share this and mention that we acted on the site purchase.\n\n"
        "Kwame\n\n"
        "-----Original Message-----\n"
        "From: Press Office <press@northbankhousing.example>\n"
        f"Sent: {at(3, 9, 0).strftime('%d %B %Y %H:%M')}\n"
        "Subject: PRESS RELEASE: Northbank Housing Trust starts work on 60 homes in Bramley\n\n"
        "FOR IMMEDIATE RELEASE\n\n"
        "Northbank Housing Trust has started work on 60 affordable homes on the former Bramley "
        "depot site, its second development this year. Forty of the homes will be for social "
        "rent.\n\n"
        '"This is a site the community has wanted brought back into use for a decade," said '
        "chief executive Maureen Achebe.\n\n"
        "More: https://www.northbankhousing.example/news/bramley-start\n\n"
        "ENDS\n"
    )
    messages.append(msg)

    # 3. A reply chain between colleagues about photos for a post.
    first_id = _message_id(rng, DOMAIN)
    msg = base(
        f"Callum Reid <{email_of('Callum Reid')}>",
        "Re: Re: Clinic photos for social?",
        at(1, 11, 26),
    )
    msg["Cc"] = email_of("Niamh Kelly")
    msg["In-Reply-To"] = first_id
    msg["References"] = first_id
    msg.set_content(
        "Forwarding to the social inbox as Niamh suggested. All six people in the photos signed "
        "the consent form (on the shared drive). Link to the album:\n"
        "https://photos.greenfield-law.example/albums/chapeltown-clinic\n\n"
        "Callum\n\n"
        f"On {at(1, 9, 2).strftime('%a, %d %b %Y at %H:%M')}, Niamh Kelly wrote:\n"
        "> Yes, send them to social@ and Priya's team will pick the best.\n>\n"
        f"> On {at(2, 17, 40).strftime('%a, %d %b %Y at %H:%M')}, Callum Reid wrote:\n"
        ">> Should we post the photos from Saturday's clinic? 23 people came, a record.\n"
    )
    messages.append(msg)

    # 4. An unknown outside sender: must not become content.
    msg = base(
        "Growth Team <hello@rankboost-marketing.example>",
        "Partnership opportunity for Greenfield Law",
        at(1, 6, 12),
    )
    msg.set_content(
        "Hi there,\n\nWe help law firms get 10x more followers. Reply YES for a free audit.\n"
        "https://rankboost-marketing.example/audit?ref=greenfield\n\nUnsubscribe: reply STOP\n"
    )
    messages.append(msg)

    # 5. A non-ASCII subject (encoded word on the wire) and body.
    msg = base(
        f"Isabel Moreno <{email_of('Isabel Moreno')}>",
        "Café Society: our Málaga client’s new branch opens – photos inside",
        at(0, 7, 48),
    )
    msg.set_content(
        "¡Hola! Our client Café Society (the coffee chain from Málaga) opens its first UK "
        "branch in Leeds on Saturday. Their founder, José Núñez, is happy for us to say we "
        "advised on the lease – he even mentioned us in his post:\n"
        "https://www.cafesociety.example/es/noticias/leeds\n\n"
        "Could we share it with a “welcome to Leeds” line? €5 coffee vouchers for the first 100 "
        "customers, too.\n\nIsabel\n",
        charset="utf-8",
        cte="quoted-printable",
    )
    messages.append(msg)
    return messages


def _write_maildir(folder: Path, messages: list[EmailMessage]) -> None:
    """Write a Maildir with stable file names, so rebuilding the demo gives the same files."""
    import mailbox

    mailbox.Maildir(folder, create=True)  # makes cur/, new/, tmp/
    for n, msg in enumerate(messages):
        when = int(parsedate_to_datetime(msg["Date"]).timestamp())
        name = f"{when}.M{n + 1}P0Q0.greenfield-demo"
        tmp = folder / "tmp" / name
        tmp.write_bytes(msg.as_bytes(policy=SMTP))
        os.replace(tmp, folder / "new" / name)


# --------------------------------------------------------------------------- outputs


def write_inputs(folder: Path, today: date, seed: int = 7) -> dict[str, Path]:
    """Write the outside inputs the jobs read (form exports, feeds, a Maildir) under `folder`."""
    folder = Path(folder)
    paths = {
        "submissions": folder / "forms" / "submissions.csv",
        "acknowledgements": folder / "forms" / "acknowledgements.csv",
        "feedback": folder / "forms" / "feedback.csv",
        "alerts": folder / "alerts" / "google-alerts.xml",
        "newsroom": folder / "alerts" / "newsroom.xml",
        "inbox": folder / "inbox",
    }
    _write_csv(paths["submissions"], "submissions", _new_submissions(today))
    acks = _new_acknowledgements(today, seed)
    _write_csv(paths["acknowledgements"], "acknowledgements", acks)
    _write_csv(paths["feedback"], "feedback", _new_feedback(today))
    paths["alerts"].parent.mkdir(parents=True, exist_ok=True)
    paths["alerts"].write_text(_alerts_feed(today, _stream(seed, "alerts")), encoding="utf-8")
    paths["newsroom"].write_text(_newsroom_feed(today), encoding="utf-8")
    _write_maildir(paths["inbox"], _inbox_messages(today, _stream(seed, "inbox")))
    return paths


def _new_acknowledgements(today: date, seed: int) -> list[tuple[datetime, str, list[str]]]:
    """Acknowledgements from people demo_rows(today, seed) lists as not yet acknowledged."""
    _rows, pending = _acknowledgement_rows(today, _stream(seed, "acknowledgements"))
    rng = _stream(seed, "acknowledgement form")
    agree = FORMS["acknowledgements"].questions[0].choices[0]
    chosen = pending[:14]
    out = []
    for n, email in enumerate(chosen):
        day = today - timedelta(days=1 + n % 3)
        stamp = datetime.combine(day, time(8 + n % 9, rng.randint(0, 59), rng.randint(0, 59)))
        out.append((stamp, email, [agree, POLICY_VERSION]))
    # Someone acknowledging twice (one should count), someone typing the version loosely.
    out.append((out[0][0] + timedelta(minutes=7), chosen[0], [agree, POLICY_VERSION]))
    out.append((out[1][0] + timedelta(hours=2), chosen[1], [agree, f" v{POLICY_VERSION} "]))
    return out


def demo_config_toml(folder: Path) -> str:
    """The demo's chorus.toml: every section, commented; paths are relative to the file."""
    return f'''# Chorus settings for the demo program of {DEMO_ORG["name"]} (a made-up firm).
# Written by `chorus demo` into {Path(folder)}.
# Relative paths are relative to this file. Secrets never go here: settings
# that need one name an environment variable instead.

[organisation]
# Who runs the program. Chorus only ever mails addresses in email_domains:
# a person on the People tab with any other address is skipped.
name = "{DEMO_ORG["name"]}"
timezone = "{DEMO_ORG["timezone"]}"
email_domains = ["{DOMAIN}"]
# Days briefs and reminders go out; dates people type are read day first (24/11/2026).
working_days = ["Mon", "Tue", "Wed", "Thu", "Fri"]
day_first = true

[backend]
# Where the spreadsheet lives: "local" is an .xlsx file next to this one;
# "google" needs spreadsheet_id and a service account (see `chorus init --backend google`).
kind = "local"
workbook = "workbook.xlsx"

# The three Google Forms. kind = "csv" reads the file you download from the
# form's responses; "linked_sheet" and "forms_api" read Google directly.
# url is the public link Chorus puts in the guide and in reminders.
[forms.submissions]
kind = "csv"
path = "forms/submissions.csv"
url = "{FORM_URLS["submissions"]}"

[forms.acknowledgements]
kind = "csv"
path = "forms/acknowledgements.csv"
url = "{FORM_URLS["acknowledgements"]}"
# A prefilled link; {{version}} becomes the current policy version ({POLICY_VERSION}).
prefill_url = "{FORM_URLS["acknowledgements"]}?usp=pp_url&entry.1702364211=I+agree&entry.948519047={{version}}"

[forms.feedback]
kind = "csv"
path = "forms/feedback.csv"
url = "{FORM_URLS["feedback"]}"

[alerts]
# RSS or Atom feeds (a URL or a file). use = "mentions" files entries on the
# Mentions tab; use = "content" puts them in the Queue with the source given.
feeds = [
    {{ name = "Google Alerts", url = "alerts/google-alerts.xml" }},
    {{ name = "Newsroom", url = "alerts/newsroom.xml", use = "content", source_kind = "Organisation", source_type = "News release" }},
]
timeout_seconds = 20.0

[mail]
# "outbox" writes every message to a Maildir folder for you to read instead of
# sending it: the demo never mails anyone. "smtp" and "gmail" really send.
transport = "outbox"
outbox = "outbox"
sender = "social@{DOMAIN}"
sender_name = "Greenfield Law social media"
# At most this many messages per run, and per day across runs.
max_per_run = 500
daily_allowance = 2000

[schedule]
# When `chorus schedule` runs each job; left out, a job keeps its default.
brief = "working days at 08:30"
weekly-summary = "monday at 08:00"

[screening]
# What sync-forms flags for a person to look at before anything is queued.
# Words that suggest confidential material (the defaults plus two of ours):
confidential_words = ["confidential", "proprietary", "internal only", "not for distribution", "privileged", "attorney-client", "under nda", "trade secret", "embargo", "draft - do not", "password", "without prejudice", "client list"]
# Links to these domains are rejected outright.
blocked_domains = ["evil.example"]
# Posts longer than this are flagged for that channel.
channel_limits = {{ X = 280 }}

[cadence]
# check-cadence plans posting slots this many days ahead, and looks back this many.
horizon_days = 14
lookback_days = 7

[policy]
# Policies not reviewed for this many days trigger a reminder to their owner;
# people who have not acknowledged the current version are reminded this often.
review_interval_days = 180
reminder_interval_days = 7

[inbox]
# A mailbox staff forward content to; ingest-inbox turns messages into Queue items.
kind = "maildir"
path = "inbox"

[crisis]
# A spike of this many times the usual mentions (and at least `minimum`) in
# window_hours, against the last baseline_days, raises a crisis alert;
# scheduled posts are held for hold_days unless stood down sooner.
window_hours = 6.0
multiplier = 3.0
minimum = 5
baseline_days = 28
hold_days = 7

[guide]
# Where the employee guide is written (HTML and Markdown).
output_dir = "."
'''
