"""Benchmarks: what Chorus costs at scale, in Google API calls, time and memory.

`python -m benchmarks` (or `make bench`) prints the table; see benchmarks/__main__.py.
scale.py builds synthetic programs at N rows; naive.py does the same work the
way gspread tutorials do, for comparison.
"""
