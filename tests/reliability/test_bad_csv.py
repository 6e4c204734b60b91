"""CSV imports from the operator's command line with the files people really send: the wrong encoding,
quoting broken half-way, stray NUL bytes, a spreadsheet's UTF-8 BOM. A clear line-numbered answer and exit
code 2, no stack trace, and nothing written unless every row is good."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.cli import main
from bot.models import Account
from tests.test_cli import accounts_in

HEADER = "name,domain,owner_email,tier,stage,health_score\n"
GOOD_ROWS = "".join(f"Good {n},good{n}.example,,service,adoption,70\n" for n in range(40))


@pytest.mark.parametrize(
    ("content", "said"),
    [
        ((HEADER + GOOD_ROWS).encode("utf-16"), "line 1: the file is not UTF-8"),
        (
            (HEADER + GOOD_ROWS + "Zoë Ltd,zoe.example,,service,adoption,70\n").encode("cp1252"),
            "line 42: the file is not UTF-8",
        ),
        (
            (HEADER + GOOD_ROWS + 'Broken "Co,broken.example,,service,adoption,70\n"Unclosed,x\n').encode(),
            "quoting is broken",
        ),
        ((HEADER + GOOD_ROWS + '"Half, quoted,half.example,,service,adoption,70\n').encode(), "quoting is broken"),
    ],
    ids=["utf-16", "windows-1252", "stray-quote", "unclosed-quote"],
)
def test_unreadable_files_write_nothing_and_say_where(database, tmp_path, capsys, content, said):
    path = tmp_path / "accounts.csv"
    path.write_bytes(content)
    assert main(["import", "accounts", str(path)]) == 2
    captured = capsys.readouterr()
    said_all = captured.out + captured.err
    assert said in said_all and "Nothing was written" in said_all
    assert "Traceback" not in said_all
    assert accounts_in(database) == 0  # not the 40 good rows before the break either
    assert main(["import", "accounts", str(path), "--skip-invalid"]) == 2  # an unreadable file is not a bad row
    assert accounts_in(database) == 0


def test_a_byte_order_mark_is_accepted(database, tmp_path):
    with_bom = tmp_path / "bom.csv"
    with_bom.write_bytes("\ufeff".encode() + (HEADER + GOOD_ROWS).encode())
    assert main(["import", "accounts", str(with_bom)]) == 0  # Excel's "CSV UTF-8" starts with a BOM
    assert accounts_in(database) == 40


@pytest.fixture
def on_each_database(factory, engine, monkeypatch) -> str:
    """The command line pointed at the test database of this run's backend (SQLite, then PostgreSQL)."""
    url = engine.url.render_as_string(hide_password=False)
    monkeypatch.setenv("DATABASE_URL", url)
    return url


def test_a_nul_byte_is_a_bad_row_with_its_line_on_every_database(on_each_database, tmp_path, capsys):
    nul = tmp_path / "nul.csv"
    nul.write_bytes((HEADER + GOOD_ROWS + "Nul\x00 Co,nul.example,,service,adoption,70\n").encode())
    assert main(["import", "accounts", str(nul)]) == 2
    said = capsys.readouterr()
    assert "line 42: name contains a NUL character (byte 0x00)" in said.out
    assert "Traceback" not in said.out + said.err
    assert accounts_in(on_each_database) == 0
    assert main(["import", "accounts", str(nul), "--skip-invalid"]) == 0
    assert accounts_in(on_each_database) == 40


def test_names_that_would_look_like_another_are_refused(on_each_database, tmp_path, capsys):
    path = tmp_path / "lookalikes.csv"
    path.write_text(
        HEADER
        + "Acme\u202e Corp,,,service,adoption,70\n"  # a right-to-left override shows what follows reversed
        + "Glo\u200bbex,,,service,adoption,70\n"  # a zero-width space: looks exactly like Globex
        + "Bell\x07Co,,,service,adoption,70\n"
        + "Fine Co,,,service,adoption,70\n",
        encoding="utf-8",
    )
    assert main(["import", "accounts", str(path)]) == 2
    out = capsys.readouterr().out
    assert "line 2: name holds invisible characters (U+202E RIGHT-TO-LEFT OVERRIDE)" in out
    assert "line 3: name holds invisible characters (U+200B ZERO WIDTH SPACE)" in out
    assert "line 4: name holds invisible characters (U+0007 CONTROL CHARACTER)" in out
    assert accounts_in(on_each_database) == 0


def test_a_name_typed_in_either_unicode_form_is_one_account(on_each_database, tmp_path, session, capsys):
    decomposed, composed = tmp_path / "nfd.csv", tmp_path / "nfc.csv"
    decomposed.write_text(HEADER + "Cafe\u0301 Zu\u0308rich,,,service,adoption,70\n", encoding="utf-8")
    composed.write_text(HEADER + "Caf\u00e9 Z\u00fcrich,,,service,adoption,70\n", encoding="utf-8")
    assert main(["import", "accounts", str(decomposed)]) == 0
    assert main(["import", "accounts", str(composed)]) == 0
    assert "0 created, 0 updated, 1 unchanged" in capsys.readouterr().out
    assert session.scalars(select(Account.name)).all() == ["Caf\u00e9 Z\u00fcrich"]
