"""A clear message when the warehouse file is locked by another process.

DuckDB allows one process to open a database file for writing. A second writer (or a
reader while a writer holds the file) fails with DuckDB's `Could not set lock on file
"...": Conflicting lock is held in <program> (PID <n>)`. The command line turns that
into a message that names the file, the lock and the holder, and says what to do.
"""

from __future__ import annotations

import re

_LOCK = re.compile(
    r'Could not set lock on file "(?P<path>[^"]+)": Conflicting lock is held in '
    r"(?P<program>.*?) \(PID (?P<pid>\d+)\)"
)


def explain_lock(message: str) -> str | None:
    """The operator's message for a DuckDB lock conflict in `message`, or None if there is none."""
    match = _LOCK.search(message)
    if match is None:
        return None
    return (
        f"the warehouse {match['path']} is locked: DuckDB's write lock on the file is held by "
        f"process {match['pid']} ({match['program']}). DuckDB allows one writer process at a "
        "time: wait for that run to finish (or stop it), and point BI tools and notebooks at "
        "the published copy (<warehouse folder>/published/), never at the pipeline's file."
    )
