"""Which store a ``--db`` value opens (storage/__init__.py), and what the PostgreSQL store refuses
(storage/postgres.py): a URL of a scheme the sandbox does not serve, a missing driver, a database
written by a newer version or by another program; and stores in schemas of their own."""

from __future__ import annotations

import subprocess
import sys
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest

from ihuyi_sandbox._exceptions import Conflict
from ihuyi_sandbox.service.records import Account, JournalEntry, Seed, Workspace
from ihuyi_sandbox.storage import StoreRefused, StoreUnavailable, open_storage, remove_storage

psycopg = pytest.importorskip("psycopg")  # the [postgres] extra, which the README's test command installs
from psycopg_pool import ConnectionPool  # noqa: E402

from ihuyi_sandbox.storage.postgres import PostgresStorage, configure  # noqa: E402


def serve(*args: str, cwd: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "ihuyi_sandbox", "serve", "--port", "0", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=60)


@pytest.mark.parametrize("db", ["mysql://root:secret@127.0.0.1:3306/x", "sqlite:///tmp/x.db", "redis://h/0"])
def test_a_url_of_a_scheme_the_sandbox_does_not_serve_is_refused_and_nothing_is_made(tmp_path, db):
    done = serve("--db", db, cwd=str(tmp_path))
    assert done.returncode == 2
    assert f"scheme {db.split('://')[0]}://" in done.stderr and "postgresql://" in done.stderr
    assert "secret" not in done.stderr  # a password is never printed
    assert list(tmp_path.iterdir()) == []  # no SQLite file at a strange relative path


def test_a_missing_driver_is_named_with_the_extra_that_installs_it(tmp_path):
    code = ("import sys; sys.modules['psycopg'] = None; from ihuyi_sandbox.server.cli import main; "
            "sys.exit(main(['serve', '--port', '0', '--db', 'postgresql://u@127.0.0.1:1/x']))")
    done = subprocess.run([sys.executable, "-c", code], cwd=str(tmp_path), capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 2 and "pip install 'ihuyi-sandbox[postgres]'" in done.stderr


def test_a_database_that_cannot_be_reached_is_said_at_start(tmp_path, postgres_server):
    done = serve("--db", f"postgresql://postgres@127.0.0.1:{postgres_server.port}/no_such_db", cwd=str(tmp_path))
    assert done.returncode == 2 and "cannot connect" in done.stderr and 'database "no_such_db" does not exist' in done.stderr


def test_a_database_written_by_a_newer_version_is_refused_and_left_as_it_is(postgres_server):
    url = postgres_server.database(f"newer_{uuid.uuid4().hex[:8]}")
    open_storage(url).close()
    with psycopg.connect(url, autocommit=True) as db:
        db.execute("UPDATE meta SET value = '99' WHERE key = 'schema_version'")
    with pytest.raises(StoreRefused, match="newer ihuyi-sandbox .schema version 99"):
        open_storage(url)
    with psycopg.connect(url) as db:
        assert db.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone() == ("99",)


def test_a_database_holding_another_programs_tables_is_refused_and_left_as_it_is(postgres_server):
    url = postgres_server.database(f"foreign_{uuid.uuid4().hex[:8]}")
    with psycopg.connect(url, autocommit=True) as db:
        db.execute("CREATE TABLE orders (id int)")
    with pytest.raises(StoreRefused, match=r"did not write \(orders"):
        open_storage(url)
    with psycopg.connect(url) as db:
        tables = db.execute("SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'")
        assert [row[0] for row in tables] == ["orders"]


def test_stores_in_schemas_of_their_own_share_one_pool_and_nothing_else(postgres_server):
    url = postgres_server.database(f"schemas_{uuid.uuid4().hex[:8]}")
    with ConnectionPool(url, min_size=1, max_size=2, configure=configure, kwargs={"autocommit": True}) as pool:
        first, second = (PostgresStorage(url, schema=name, pool=pool) for name in ("ws_a", "ws_b"))
        first.reset(Seed(accounts=(Account("A1", "k", 10),)))
        second.reset(Seed(accounts=(Account("B1", "k", 7),)))
        entry = JournalEntry(1_700_000_000.0, "127.0.0.1", "Submit", {"account": "A1", "mobile": "13800000001"}, code=2)
        for _ in range(6):  # taking turns on the two pooled connections, past psycopg's prepared statements
            assert first.deliver(entry) is not None
            assert second.deliver(entry) is None  # no A1 in the second schema
        assert [a.apiid for a in first.accounts()] == ["A1"] and first.account("A1").balance == 10 - 6  # type: ignore[union-attr]
        assert [a.apiid for a in second.accounts()] == ["B1"] and second.deliveries() == []
        first.close()
        second.close()
    with psycopg.connect(url) as db:  # public holds nothing of theirs
        assert db.execute("SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'").fetchone() == (0,)


def test_a_pool_whose_connections_are_all_busy_is_healthy_and_a_stopped_server_is_not(postgres_server):
    """The health check's read: a busy sandbox is not a failing one (an orchestrator would restart
    it), a database that is gone is."""
    store = PostgresStorage(postgres_server.database(f"check_{uuid.uuid4().hex[:8]}"), pool_size=1)
    held = store.pool.getconn()  # the pool's only connection, as a long request would hold it
    try:
        store.check()
    finally:
        store.pool.putconn(held)
    store.check()
    postgres_server.stop("immediate")
    try:
        with pytest.raises(StoreUnavailable):
            store.check()
    finally:
        postgres_server.start()
        store.close()


def test_a_workspace_is_a_store_of_its_own_beside_the_main_one_until_removed(db_url):
    main, workspace = open_storage(db_url), open_storage(db_url, workspace="team1")
    main.reset(Seed(accounts=(Account("A1", "k", 5),)))
    workspace.reset(Seed(accounts=(Account("W1", "k", 7),)))
    again = open_storage(db_url, workspace="team1")
    assert [a.apiid for a in main.accounts()] == ["A1"]
    assert [a.apiid for a in again.accounts()] == ["W1"]
    for store in (workspace, again):
        store.close()
    remove_storage(db_url, "team1")
    fresh = open_storage(db_url, workspace="team1")
    assert fresh.accounts() == [] and [a.apiid for a in main.accounts()] == ["A1"]
    fresh.close()
    main.close()


def test_the_registry_refuses_a_workspace_past_the_most_and_frees_its_slot_on_removal(db_url):
    registry = open_storage(db_url)
    first = registry.add_workspace(Workspace("w1", 1.0, 1.0), most=2)
    second = registry.add_workspace(Workspace("w2", 2.0, 2.0), most=2)
    with pytest.raises(Conflict, match=r"most workspaces \(2, set by --max-workspaces\)"):
        registry.add_workspace(Workspace("w3", 3.0, 3.0), most=2)
    assert registry.add_workspace(Workspace("w1", 4.0, 4.0), most=3) is None  # the id is taken
    registry.remove_workspace("w1")
    again = registry.add_workspace(Workspace("w4", 5.0, 5.0), most=2)
    assert (first.slot, second.slot, again.slot) == (1, 2, 1)  # the freed slot is taken again
    assert [w.id for w in registry.workspaces()] == ["w2", "w4"]
    registry.close()


def test_instances_adding_workspaces_at_once_never_pass_the_most_together(db_url):
    """Counted inside the write: eight stores on one database (as eight instances), released
    together, register exactly the most and are refused the rest."""
    stores = [open_storage(db_url) for _ in range(8)]
    start = threading.Barrier(len(stores))

    def add(i: int) -> str:
        start.wait()
        try:
            return "added" if stores[i].add_workspace(Workspace(f"w{i}", 1.0, 1.0), most=3) else "taken"
        except Conflict:
            return "refused"

    with ThreadPoolExecutor(len(stores)) as pool:
        outcomes = sorted(pool.map(add, range(len(stores))))
    assert outcomes == ["added"] * 3 + ["refused"] * 5
    assert sorted(w.slot for w in stores[0].workspaces()) == [1, 2, 3]
    for store in stores:
        store.close()


@pytest.mark.parametrize("workspace", ["", "../x", "a" * 49, "a b", "-a", "a_b"])
@pytest.mark.parametrize("db", ["s.db", "postgresql://u@127.0.0.1:1/x"])
def test_a_workspace_id_that_could_name_another_file_or_schema_is_refused(tmp_path, workspace, db):
    with pytest.raises(ValueError, match="not a workspace id"):
        open_storage(db if "://" in db else str(tmp_path / db), workspace=workspace)
