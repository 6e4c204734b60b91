"""The Teams app package: manifest.json for this bot with its two icons, as Teams accepts it for upload."""

from __future__ import annotations

import json
import struct
import zipfile
from pathlib import Path

import pytest

from bot.cli import main
from bot.config import ConfigError, Settings
from bot.messages import COMMANDS
from bot.teams import package

APP = "12345678-1234-1234-1234-123456789abc"
# The official schema of the version the manifest declares, where the shared folder holds a copy (the
# project does not copy Microsoft's schema into itself).
SCHEMA = Path(__file__).resolve().parents[3] / "shared" / "schemas" / "teams-manifest-1.29.json"


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", data[16:24])


def test_teams_package_writes_the_manifest_for_this_bot_and_both_icons(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("TEAMS_APP_ID", APP)
    monkeypatch.setenv("TEAMS_APP_PASSWORD", "secret")
    monkeypatch.setenv("TEAMS_TENANT_ID", "tenant")
    out = tmp_path / "tend.zip"
    assert main(["teams-package", str(out), "--host", "tend.example.com"]) == 0
    with zipfile.ZipFile(out) as zipped:
        assert sorted(zipped.namelist()) == ["color.png", "manifest.json", "outline.png"]
        manifest = json.loads(zipped.read("manifest.json"))
        assert png_size(zipped.read("color.png")) == (192, 192)
        assert png_size(zipped.read("outline.png")) == (32, 32)
    assert manifest["id"] == APP and manifest["bots"][0]["botId"] == APP
    assert manifest["developer"]["websiteUrl"] == "https://tend.example.com/"
    assert manifest["validDomains"] == ["tend.example.com"]
    assert "YOUR-HOST" not in json.dumps(manifest) and package.PLACEHOLDER_ID not in json.dumps(manifest)


def test_the_manifest_keeps_teams_limits_and_offers_every_command():
    manifest = package.manifest(Settings(teams_app_id=APP), None)
    [bot] = manifest["bots"]
    assert set(bot["scopes"]) == {"personal", "team", "groupChat"}
    assert len(bot["commandLists"]) <= 3 and all(len(c["commands"]) <= 12 for c in bot["commandLists"])
    titles = [c["title"] for c in bot["commandLists"][0]["commands"]]
    assert {t.split()[0] for t in titles} == set(COMMANDS)
    assert len(manifest["name"]["short"]) <= 30 and len(manifest["description"]["short"]) <= 80
    assert len(manifest["description"]["full"]) <= 4000 and len(manifest["developer"]["name"]) <= 32


def test_the_manifest_is_valid_against_the_official_schema_of_its_version():
    if not SCHEMA.exists():
        pytest.skip(f"no copy of Microsoft's Teams manifest schema v1.29 at {SCHEMA}")
    import jsonschema

    schema = json.loads(SCHEMA.read_text())
    jsonschema.Draft4Validator(schema).validate(package.manifest(Settings(teams_app_id=APP), "tend.example.com"))


@pytest.mark.parametrize("app_id", ["", "not-a-guid"])
def test_no_package_without_a_real_bot_id(app_id):
    with pytest.raises(ConfigError, match="TEAMS_APP_ID"):
        package.manifest(Settings(teams_app_id=app_id), None)
