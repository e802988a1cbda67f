"""The bare approval write, the floor a decision is read against: one home for bench/cpu.py
(in process) and bench/bare.py (served by gunicorn for bench/api.py).

In one transaction: insert a row and make two guarded updates (of a parent row and of the new
row), then put a message on Redis once it commits: the nudge a stored decision sends.
"""

from __future__ import annotations

CREATE_TABLE = (
    "CREATE TABLE IF NOT EXISTS bench_write (id bigserial PRIMARY KEY, parent int, "
    "action text, state text DEFAULT 'active', n int DEFAULT 0)"
)


def guarded_write(connection, nudges, parent: int) -> int:
    """One bare approval write updating row `parent`; the new row's id."""
    from django.db import transaction

    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO bench_write (parent, action) VALUES (%s, 'APPROVE') RETURNING id",
            [parent],
        )
        (row,) = cursor.fetchone()
        cursor.execute(
            "UPDATE bench_write SET n = n + 1 WHERE id = %s AND state = 'active'", [parent]
        )
        cursor.execute(
            "UPDATE bench_write SET state = 'done' WHERE id = %s AND state = 'active'", [row]
        )
        transaction.on_commit(lambda: nudges.rpush("bench:nudges", row))
    return row
