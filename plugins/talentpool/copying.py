"""Copy a whole store into another, whatever their databases: SQLite to PostgreSQL (`vivier pool
migrate-to`), PostgreSQL to an SQLite backup file and back (`pool backup` / `pool restore`).

The source is read in one snapshot, the target written in one transaction (all or nothing),
table by table in batches; every table the two schemas share is copied, then each table's rows are
counted on both sides and any difference is an error (the target's transaction is then undone).
"""

from __future__ import annotations

BATCH = 2000


class CopyMismatch(RuntimeError):
    """The copy does not hold what the source holds; nothing was kept."""


def copy_store(source, target, *, batch: int = BATCH) -> dict[str, int]:
    """Replace every row of `target` by those of `source` (two open Stores at the same schema);
    returns the number of rows copied per table."""
    if source.schema_version != target.schema_version:
        raise CopyMismatch(f"{source.path} is at schema {source.schema_version} and {target.path} at "
                           f"{target.schema_version}; open both with this Vivier first")
    read, copied = source.connection, {}
    with source.snapshot(), target.transaction() as write:
        shared = [t for t in read.table_names() if t in set(write.table_names())]
        for table in shared:
            write.execute(f'DELETE FROM "{table}"')
        for table in shared:
            columns = [c for c in read.column_names(table) if c in set(write.column_names(table))]
            names = ", ".join(f'"{c}"' for c in columns)
            insert = f'INSERT INTO "{table}" ({names}) VALUES ({", ".join(f":c{i}" for i in range(len(columns)))})'
            result = read.execute(f'SELECT {names} FROM "{table}"')
            count = 0
            while rows := result.fetchmany(batch):
                write.execute(insert, [{f"c{i}": value for i, value in enumerate(row)} for row in rows])
                count += len(rows)
            copied[table] = count
        for table, count in copied.items():
            found = write.scalar(f'SELECT COUNT(*) FROM "{table}"')
            expected = read.scalar(f'SELECT COUNT(*) FROM "{table}"')
            if not (found == expected == count):
                raise CopyMismatch(f"{table}: {expected} row(s) in {source.path}, {count} read, {found} in "
                                   f"{target.path}; nothing was copied")
        # Counted first: the target's own record of its schema version is a row of `meta` on PostgreSQL.
        write.set_schema_version(source.schema_version)
    target.reload()
    return copied
