"""When each job runs: the schedule language, `chorus schedule`, `chorus cron` and `chorus status`.

- `rules`: the language and when a rule fires; pure, no clock, no I/O.
- `loop`: the Scheduler, which runs what is due; its clock and sleep are passed in.
- `service`: `chorus schedule`, the loop with a lock per spreadsheet, signals and catch-up.
- `cron`: the same plan as crontab lines and systemd timers.
- `status`: what ran, what comes next, what is overdue, from the Runs tab.

Chorus keeps its own loop instead of the `schedule` package: that package's
`.at(time, tz)` has had timezone and daylight-saving bugs and it reads the
clock inside its own logic. Here every instant is computed from the wall-clock
rule by a pure function, and tests drive the loop through a week in memory.
"""
