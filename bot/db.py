"""Engine and unit-of-work helpers, and schema upgrades through Alembic (never `create_all`)."""

from __future__ import annotations

from collections.abc import Hashable, Iterator, Sequence
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from typing import Any, TypeVar, cast

from sqlalchemy import (
    ColumnElement,
    Connection,
    CursorResult,
    Engine,
    Executable,
    FromClause,
    Select,
    Table,
    create_engine,
    event,
    func,
    inspect,
    literal,
    select,
    text,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, sessionmaker

from bot.config import Settings

PROJECT_ROOT = Path(__file__).resolve().parent.parent

SessionFactory = sessionmaker[Session]
SQLITE_BUSY_TIMEOUT_MS = 15000  # how long a SQLite statement waits for another writer, unless told otherwise


def make_engine(url: str, **options: Any) -> Engine:
    """An engine with the settings each backend needs: SQLite gets foreign keys, WAL and a busy timeout."""
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 15, "check_same_thread": False}, **options)
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "reset", _sqlite_reset)
        return engine
    options.setdefault("pool_pre_ping", True)
    # Enough connections for the web process's post-ack workers, so work never queues for a connection.
    options.setdefault("pool_size", 10)
    options.setdefault("max_overflow", 20)
    # No JIT: Tend's statements are short, and PostgreSQL compiles any whose estimated cost passes
    # jit_above_cost, which the nudge planner's UPDATE does once its statistics are fresh (10k accounts:
    # 0.72 s of compiling for 0.03 s of work).
    connect_args = options.setdefault("connect_args", {})
    connect_args["options"] = " ".join(filter(None, ("-c jit=off", connect_args.get("options"))))
    return create_engine(url, **options)


def engine_for(settings: Settings) -> Engine:
    """The engine a process uses, with the pool and statement timeout from its settings (PostgreSQL)."""
    if settings.database_url.startswith("sqlite"):
        return make_engine(settings.database_url)
    timeout = settings.db_statement_timeout_ms
    return make_engine(
        settings.database_url,
        pool_size=settings.db_pool_size,
        max_overflow=settings.db_max_overflow,
        pool_timeout=settings.db_pool_timeout,
        connect_args={"options": f"-c statement_timeout={timeout}"} if timeout else {},
    )


def _sqlite_reset(dbapi_connection: Any, _record: Any, _state: Any) -> None:
    """A connection back in the pool waits for locks as long as any other (see lock_wait_at_most)."""
    dbapi_connection.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    if cursor.execute("PRAGMA database_list").fetchone()[2]:  # a file, not :memory:
        cursor.execute("PRAGMA journal_mode=WAL")
        # With WAL, NORMAL never corrupts the database; a power cut may lose the last commits (PostgreSQL is
        # the production database).
        cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


@contextmanager
def lock_wait_at_most(connection: Connection, seconds: float) -> Iterator[None]:
    """Inside a transaction on `connection`: its statements wait at most `seconds` for a lock (another writer,
    a long import, `LOCK TABLE`, a vacuum) and then fail, instead of the usual long wait. For the few writes a
    person is waiting on with a deadline (an ack)."""
    ms = max(int(seconds * 1000), 1)
    if connection.dialect.name == "postgresql":  # both end with the transaction; one round trip
        connection.exec_driver_sql(
            f"SELECT set_config('lock_timeout', '{ms}', true), set_config('statement_timeout', '{ms}', true)"
        )
        yield
        return
    raw = connection.connection.dbapi_connection
    raw.execute(f"PRAGMA busy_timeout={ms}")  # type: ignore[union-attr]
    try:
        yield
    finally:
        # A session that rolled back inside the block has handed its connection back to the pool, where
        # another thread may hold it now: the pool restores the setting then (_sqlite_reset), not this.
        if not connection.closed:
            raw.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")  # type: ignore[union-attr]


def make_session_factory(engine: Engine) -> SessionFactory:
    return sessionmaker(engine, expire_on_commit=False)


def engine_of(factory: SessionFactory) -> Engine:
    """The engine behind a session factory: for the few hot paths that need no ORM session."""
    return factory.kw["bind"]


@contextmanager
def session_scope(factory: SessionFactory) -> Iterator[Session]:
    """One unit of work: commit when the block succeeds, roll back everything when it raises."""
    session = factory()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def read(
    session: Session, statement: Executable, params: dict[str, Any] | None = None
) -> CursorResult[*tuple[Any, ...]]:
    """Rows of a SELECT of columns (no ORM entities), run on the session's connection as plain SQL: half
    the interpreter time of `Session.execute` (27 against 65 µs a statement here), for the reads every
    request makes. Pending ORM changes are flushed first, as `Session.execute` would."""
    if session.new or session.dirty or session.deleted:
        session.flush()
    return session.connection().execute(statement, params or {})


def bulk_insert(session: Session, table: FromClause, rows: list[dict[str, Any]]) -> None:
    """Insert many rows at once: COPY on PostgreSQL (row-by-row executemany is ~5x slower there),
    one executemany elsewhere. Every row must have the same keys."""
    if not rows:
        return
    table = _table(table)
    connection = session.connection()
    if connection.dialect.name != "postgresql":
        connection.execute(table.insert(), rows)
        return
    columns = list(rows[0])
    quoted = ", ".join(connection.dialect.identifier_preparer.quote(c) for c in columns)
    driver = connection.connection.driver_connection
    with driver.cursor() as cursor, cursor.copy(f"COPY {table.name} ({quoted}) FROM STDIN") as copy:  # type: ignore[union-attr]
        for row in rows:
            copy.write_row([row[c] for c in columns])


def insert_ignore(db: Session | Connection, table: FromClause, values: dict[str, Any]) -> Any | None:
    """INSERT that does nothing when a unique key already exists (SQLite and PostgreSQL alike).
    The new row's primary key when it was added, None when it already existed."""
    dialect = (db.get_bind() if isinstance(db, Session) else db).dialect.name
    return db.execute(_insert_ignore_statement(dialect, _table(table)), values).scalar()


def insert_ignore_many(
    db: Session | Connection, table: FromClause, rows: list[dict[str, Any]], *returning: str
) -> Sequence[Any]:
    """INSERT of many rows at once, skipping any whose unique key exists already (or repeats among them):
    the `returning` columns of the rows added, in no particular order. With none asked for, the rows go as
    one prepared statement executed many times (psycopg pipelines it), not as one multi-row statement with
    RETURNING, whose thousands of placeholders psycopg parses anew each time: 1,334 rows, 0.29 → 0.13 s."""
    if not rows:
        return []
    dialect = (db.get_bind() if isinstance(db, Session) else db).dialect.name
    if not returning:
        db.execute(_insert_ignore_plain(dialect, _table(table)), rows)
        return []
    return db.execute(_insert_ignore_returning(dialect, _table(table), returning), rows).all()


def upsert(db: Session | Connection, table: FromClause, values: dict[str, Any], key: Sequence[str]) -> None:
    """INSERT the row, or UPDATE the one with the same `key` to these values: one statement, so two
    processes doing it at once leave one row, the later write's."""
    dialect = (db.get_bind() if isinstance(db, Session) else db).dialect.name
    statement = _dialect_insert(dialect)(_table(table)).values(**values)
    changed = {column: statement.excluded[column] for column in values if column not in key}
    db.execute(statement.on_conflict_do_update(index_elements=list(key), set_=changed))


E = TypeVar("E")


def insert_ignore_entity(session: Session, entity: type[E], values: dict[str, Any]) -> E | None:
    """INSERT that does nothing when a unique key already exists: the new row as a loaded ORM object (one
    statement, no read after it), None when it already existed."""
    statement = _insert_ignore_entity(session.get_bind().dialect.name, cast(Hashable, entity))
    return session.scalars(statement, [values]).first()


@cache
def _insert_ignore_entity(dialect: str, entity: Hashable) -> Any:
    return _dialect_insert(dialect)(entity).on_conflict_do_nothing().returning(entity)


@cache
def _insert_ignore_returning(dialect: str, table: Table, returning: tuple[str, ...]) -> Any:
    return _dialect_insert(dialect)(table).on_conflict_do_nothing().returning(*(table.c[c] for c in returning))


@cache
def _insert_ignore_plain(dialect: str, table: Table) -> Any:
    return _dialect_insert(dialect)(table).on_conflict_do_nothing()


@cache
def _insert_ignore_statement(dialect: str, table: Table) -> Any:
    """Built once per table: the values travel as parameters, so each call skips statement building."""
    key = next(iter(table.primary_key.columns))
    return _dialect_insert(dialect)(table).on_conflict_do_nothing().returning(key)


def insert_select_ignore(
    session: Session, table: FromClause, columns: Sequence[str], query: Select[*tuple[Any, ...]], count: bool = True
) -> int:
    """INSERT … SELECT that skips rows whose unique key exists already: set-based and safe to repeat, or to
    run in two processes at once. Returns how many rows were added (0 without `count`, which saves
    PostgreSQL a fifth of the time for 100k rows)."""
    dialect = session.get_bind().dialect.name
    statement = _dialect_insert(dialect)(_table(table)).from_select(list(columns), query).on_conflict_do_nothing()
    if not count:
        session.execute(statement)
        return 0
    if dialect != "postgresql":
        return session.execute(statement).rowcount or 0  # type: ignore[attr-defined]
    # psycopg reports no rowcount here; count in the database rather than fetch every new row's key.
    added = statement.returning(literal(1)).cte("added")
    return session.scalar(select(func.count()).select_from(added)) or 0


MANY_ROWS = 10_000  # a write this big makes a table's statistics stale enough to mislead the planner


def fresh_statistics(session: Session, table: FromClause) -> None:
    """Have PostgreSQL re-read a table's statistics now, inside this transaction (its own new rows count),
    after a write of `MANY_ROWS` or more: until autovacuum catches up (a minute later) the statements that
    follow, and the deliverers a second later, are planned for the table as it was (measured: 0.6 s instead
    of 46 ms per batch of nudge DMs). SQLite keeps no statistics: nothing to do."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text(f"ANALYZE {_table(table).name}"))


def prefer_indexes(session: Session) -> None:
    """For the rest of this transaction, have PostgreSQL price a random page read as SSDs and a cached
    database do (1.1, the usual setting) rather than as its default's spinning disk (4): a batch's few
    thousand rows are then read through their indexes instead of by a scan of a whole table (measured on
    writing a batch of 50 nudge DMs at 100k accounts: 23 ms instead of 83 ms for its nudges). For a
    statement that reads a small part of big tables through several indexes. SQLite: nothing to do."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SET LOCAL random_page_cost = 1.1"))


def _dialect_insert(dialect: str) -> Any:
    """INSERT with ON CONFLICT, in the dialect's own construct."""
    return postgresql.insert if dialect == "postgresql" else sqlite.insert


def _table(table: FromClause) -> Table:
    """A model's `__table__`, which SQLAlchemy types as any FromClause, as the Table it is."""
    assert isinstance(table, Table)
    return table


def claim(
    session: Session,
    model: Any,
    claimable: ColumnElement[bool],
    order_by: Any,
    limit: int,
    values: dict[str, Any],
    returning: Sequence[Any],
) -> Sequence[Any]:
    """Take up to `limit` rows for this process, so that two processes at once never take the same row:
    PostgreSQL skips rows another transaction has locked, and the update re-checks `claimable` for a row
    another process took in between (SQLite). Commit right after, so others see the claim."""
    candidates = select(model.id).where(claimable).order_by(order_by).limit(limit)
    if session.get_bind().dialect.name == "postgresql":
        candidates = candidates.with_for_update(skip_locked=True)
    ids = list(session.scalars(candidates))
    if not ids:
        return []
    return session.execute(
        update(model)
        .where(model.id.in_(ids), claimable)
        .values(**values)
        .returning(*returning)
        .execution_options(synchronize_session=False)
    ).all()


def alembic_config(url: str) -> Any:
    from alembic.config import Config

    config = Config(str(PROJECT_ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(PROJECT_ROOT / "migrations"))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(url: str) -> None:
    """Create or upgrade the schema to the newest migration (`alembic upgrade head`)."""
    from alembic import command

    command.upgrade(alembic_config(url), "head")


@cache
def head_revision() -> str:
    """The newest migration this code knows."""
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head() or ""


def schema_revision(engine: Engine) -> str | None:
    """The migration the database is at; None when it answers but was never migrated. Raises when down."""
    with engine.connect() as connection:
        if not inspect(connection).has_table("alembic_version"):
            return None
        return connection.execute(text("SELECT version_num FROM alembic_version")).scalar()


def database_answers(engine: Engine) -> bool:
    """True when the database accepts a trivial query: what `/healthz` reports."""
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        return True
    except Exception:
        return False
