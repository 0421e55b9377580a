"""Shared fixtures.  Storage tests run on SQLite (a real file) and on PostgreSQL when a server is
reachable (FIELDCODE_TEST_PG, default postgresql+psycopg://postgres@127.0.0.1:5432/test); with
FIELDCODE_REQUIRE_PG=1 (set by .ci/run) an unreachable server fails instead of skipping."""

from __future__ import annotations

import os
import shutil
import uuid
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
PG_ADMIN_URL = os.environ.get("FIELDCODE_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


# The developer's own environment never reaches a test: their settings file (and the state file
# beside it, where the coding screen writes each coder's position), coder, database and schemas.
_SETTINGS_ENV = ("FIELDCODE_SETTINGS", "FIELDCODE_STATE", "FIELDCODE_CODER", "FIELDCODE_DB", "FIELDCODE_REFI_SCHEMAS")


def _isolate(mp: pytest.MonkeyPatch, folder: Path) -> None:
    for name in _SETTINGS_ENV:
        mp.delenv(name, raising=False)
    mp.setenv("FIELDCODE_SETTINGS", str(folder / "settings.toml"))


@pytest.fixture(scope="session", autouse=True)
def _isolated_session_settings(tmp_path_factory):
    """Session- and module-scoped fixtures (the templates built once) are set up before any
    per-test fixture, so the isolation below would come too late for them: isolate the session
    too.  Each xdist worker is its own session with its own temporary folder."""
    mp = pytest.MonkeyPatch()
    _isolate(mp, tmp_path_factory.mktemp("session-settings"))
    yield
    mp.undo()


@pytest.fixture(autouse=True)
def _isolated_settings(tmp_path_factory, monkeypatch):
    """Never read the developer's own settings file or coder; never write their state file."""
    _isolate(monkeypatch, tmp_path_factory.mktemp("settings"))


@pytest.fixture
def shared() -> Path:
    if not (SHARED / "corpus").is_dir():
        pytest.skip("../shared/corpus is not present (a fresh clone has no ../shared)")
    return SHARED


def _pg_available() -> bool:
    try:
        import sqlalchemy

        eng = sqlalchemy.create_engine(PG_ADMIN_URL)
        with eng.connect() as c:
            c.exec_driver_sql("select 1")
        eng.dispose()
        return True
    except Exception:  # noqa: BLE001
        return False


@pytest.fixture(scope="session")
def pg_available() -> bool:
    ok = _pg_available()
    if not ok and os.environ.get("FIELDCODE_REQUIRE_PG") == "1":
        pytest.fail(f"PostgreSQL is required here (FIELDCODE_REQUIRE_PG=1) but {PG_ADMIN_URL} is unreachable")
    return ok


@pytest.fixture(params=["sqlite", "postgres"])
def db_url(request, tmp_path, pg_available):
    """A fresh, empty database: a SQLite file, or a new PostgreSQL database dropped afterwards."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'test.db'}"
        return
    if not pg_available:
        pytest.skip(f"PostgreSQL not reachable at {PG_ADMIN_URL}")
    import sqlalchemy

    name = f"fc_test_{uuid.uuid4().hex[:12]}"
    admin = sqlalchemy.create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.exec_driver_sql(f'CREATE DATABASE "{name}"')
    url = sqlalchemy.engine.make_url(PG_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    yield url
    with admin.connect() as c:
        c.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.dispose()


MINI_CODEBOOK = """\
study:
  name: Mini study
  arms: [improving, lagging]
  interviewer_speakers: [Interviewer]
codes:
  - key: leadership
    name: Leadership
    colour: "#1f77b4"
    hotkey: "1"
  - key: place
    name: Place
    colour: "#2ca02c"
  - key: housing
    parent: place
    name: Housing
    colour: "#98df8a"
    hotkey: "2"
"""

# Hand-checked transcript: offsets below are worked out in the tests with str.find.
MINI_A = """\
---
pair: Leeds
neighbourhood: Ashcliffe
arm: improving
role: resident
---
Interviewer: How long have you lived here?

Jean: Twenty years. The tenants' group runs everything now.

Jean: We meet on Tuesdays.

Interviewer: And the housing?

Jean: Much better since the repairs. Nobody wants to leave.
"""

MINI_B = """\
---
pair: Leeds
neighbourhood: Brookside
arm: lagging
role: resident
---
Interviewer: What is it like living here?

Sam: The flats are damp. Half of them are empty.
"""


@pytest.fixture
def mini_dir(tmp_path) -> Path:
    """A project folder with a small codebook and two interviews (not yet imported)."""
    root = tmp_path / "study"
    (root / "interviews").mkdir(parents=True)
    (root / "codebook.yaml").write_text(MINI_CODEBOOK, encoding="utf-8")
    (root / "interviews" / "a.md").write_text(MINI_A, encoding="utf-8")
    (root / "interviews" / "b.md").write_text(MINI_B, encoding="utf-8")
    return root


@pytest.fixture
def mini(mini_dir, db_url):
    """The mini study imported, on SQLite and on PostgreSQL."""
    from fieldcode.project import Project

    p = Project.open(mini_dir, db=db_url, coder="ana")
    report = p.import_files()
    assert report.ok, report.outcomes
    yield p
    p.close()


@pytest.fixture
def bundled(tmp_path) -> Path:
    """A copy of the bundled study (codebook.yaml + interviews/)."""
    root = tmp_path / "bundled"
    root.mkdir()
    shutil.copy(REPO / "codebook.yaml", root / "codebook.yaml")
    shutil.copytree(REPO / "interviews", root / "interviews")
    return root


# --- the bundled study imported once per test run (per xdist worker) and copied -----------------
# Importing the 14 bundled interviews (spaCy over every transcript) and then examples/codings.csv
# took 7 s and 16 s of wall time on this machine under load, and up to five modules each did it.
# The templates below are built once per session (per xdist worker) and must never be written to:
# a test that needs a study copies the folder (SQLite file included) with copy_study, in
# milliseconds.

def copy_study(template: Path, dst: Path) -> Path:
    """A fresh, writable copy of a template study folder (codebook, interviews, fieldcode.db)."""
    shutil.copytree(template, dst)
    return dst


@pytest.fixture(scope="session")
def bundled_imported(tmp_path_factory) -> Path:
    """TEMPLATE (read-only, copy it): the bundled study with its transcripts imported, no codings."""
    from fieldcode.project import Project
    from fieldcode.study.settings import Settings

    root = tmp_path_factory.mktemp("template") / "bundled"
    root.mkdir()
    shutil.copy(REPO / "codebook.yaml", root / "codebook.yaml")
    shutil.copytree(REPO / "interviews", root / "interviews")
    p = Project.open(root, coder="ana", settings=Settings())
    try:
        rep = p.import_files()
        assert rep.ok, rep.outcomes
    finally:
        p.close()
    return root


@pytest.fixture(scope="session")
def bundled_coded(bundled_imported, tmp_path_factory) -> Path:
    """TEMPLATE (read-only, copy it): the bundled study imported with examples/codings.csv (the
    codings of ana and ben) on top."""
    from fieldcode.exchange.codingio import import_codings_csv
    from fieldcode.project import Project
    from fieldcode.study.settings import Settings

    root = copy_study(bundled_imported, tmp_path_factory.mktemp("template") / "bundled")
    p = Project.open(root, coder="ana", settings=Settings())
    try:
        import_codings_csv(p.store, REPO / "examples" / "codings.csv", None)
    finally:
        p.close()
    return root


@pytest.fixture
def coded_study(bundled_coded, tmp_path):
    """A copy of the bundled study with ana's and ben's codings, opened as ana (a real SQLite file)."""
    from fieldcode.project import Project

    dst = tmp_path / "study"
    shutil.copytree(bundled_coded, dst)
    p = Project.open(dst, coder="ana")
    yield p
    p.close()


async def coding_screen(app, pilot, tries: int = 200):
    """Wait until ``app`` shows its coding screen with an interview open and mounted; return it."""
    from fieldcode.tui.coding import CodingScreen

    for _ in range(tries):
        await pilot.pause()
        if isinstance(app.screen, CodingScreen) and app.screen.iv_id is not None and app.screen.is_mounted:
            break
    assert isinstance(app.screen, CodingScreen)
    await pilot.pause()
    return app.screen
