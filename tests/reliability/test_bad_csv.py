"""CSV imports from the operator's command line with the files people really send: the wrong encoding,
quoting broken half-way, stray NUL bytes, a spreadsheet's UTF-8 BOM. A clear line-numbered answer and exit
code 2, no stack trace, and nothing written unless every row is good."""

from __future__ import annotations

import pytest

from bot.cli import main
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


def test_nul_bytes_and_a_byte_order_mark_are_handled(database, tmp_path, capsys):
    with_bom = tmp_path / "bom.csv"
    with_bom.write_bytes("\ufeff".encode() + (HEADER + GOOD_ROWS).encode())
    assert main(["import", "accounts", str(with_bom)]) == 0  # Excel's "CSV UTF-8" starts with a BOM
    assert accounts_in(database) == 40
    nul = tmp_path / "nul.csv"
    nul.write_bytes((HEADER + "Nul\x00 Co,nul.example,,service,adoption,70\n").encode())
    code = main(["import", "accounts", str(nul)])
    said = capsys.readouterr()
    assert "Traceback" not in said.out + said.err
    assert code in (0, 2) and accounts_in(database) in (40, 41)
