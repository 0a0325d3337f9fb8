"""The employee guide, "Social media at <organisation>", generated from the sheets.

One small module per part:

    document       the Guide as plain data (Section, Paragraph, Table, ...)
    wording        numbers, days, clock times, cadence, schedules and dates in words
    context        what the section builders share; reading rows and cells safely
    sections       the title, lead and the Goals, Tools, Policy and About sections
    process        the Process section: sources, submitting, review, rota, duties
    html_page      guide.html, in plain Python with Jinja-compatible escaping
    markdown_page  guide.md
    previous       reading back the guide already on disk
    job            plan(): build, compare, render; the job the registry runs
"""

from jobs.guide.job import JOB

__all__ = ["JOB"]
