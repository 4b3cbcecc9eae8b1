"""Migrations of the customers app, and what several of them share."""


def sample_indexes(schema_editor, names: list[str]) -> None:
    """Statistics for new indexes on SQLite, where the database has statistics already: SQLite
    plans with sqlite_stat1 when it exists, and an index without a row there is guessed (at a
    million customers a new index was picked over the right one and a lead's list took 0.97 s).
    A sample (analysis_limit), not a read of each index. PostgreSQL plans plain-column indexes
    from the table's statistics."""
    connection = schema_editor.connection
    if connection.vendor != "sqlite":
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM sqlite_master WHERE name = 'sqlite_stat1'")
        if cursor.fetchone() is None:
            return  # no statistics at all: every index is guessed alike
        cursor.execute("PRAGMA analysis_limit = 1000")
        for name in names:
            cursor.execute(f"ANALYZE {connection.ops.quote_name(name)}")
        cursor.execute("PRAGMA analysis_limit = 0")
