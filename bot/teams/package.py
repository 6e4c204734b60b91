"""The Microsoft Teams app package: `teams/manifest.json` with this installation's bot id (TEAMS_APP_ID) and
host filled in, and its two icons, zipped for upload (`python -m bot teams-package`)."""

from __future__ import annotations

import json
import re
import zipfile
from pathlib import Path
from typing import Any

from bot.config import ConfigError, Settings

SOURCE = Path(__file__).resolve().parents[2] / "teams"
PLACEHOLDER_ID = "00000000-0000-0000-0000-000000000000"
PLACEHOLDER_HOST = "YOUR-HOST"
_GUID = re.compile(r"^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$")
_HOST = re.compile(r"^[A-Za-z0-9.-]+(:\d+)?$")
FILES = ("color.png", "outline.png")


def manifest(settings: Settings, host: str | None) -> dict[str, Any]:
    """The manifest for this installation; refuses what Teams would refuse on upload."""
    if not settings.teams_app_id:
        raise ConfigError("set TEAMS_APP_ID (the bot's Microsoft app id) first: the package names the bot")
    if not _GUID.match(settings.teams_app_id):
        raise ConfigError(f"TEAMS_APP_ID must be a GUID such as {PLACEHOLDER_ID}, got {settings.teams_app_id!r}")
    if host is not None and not _HOST.match(host):
        raise ConfigError(f"--host must be a host name such as tend.example.com, got {host!r}")
    text = (SOURCE / "manifest.json").read_text(encoding="utf-8").replace(PLACEHOLDER_ID, settings.teams_app_id)
    if host:
        text = text.replace(PLACEHOLDER_HOST, host)
    document: dict[str, Any] = json.loads(text)
    if host:
        document["validDomains"] = [host.split(":")[0]]
    return document


def write(settings: Settings, out: Path, host: str | None = None) -> Path:
    document = manifest(settings, host)
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as package:
        package.writestr("manifest.json", json.dumps(document, indent=2, ensure_ascii=False))
        for name in FILES:
            package.write(SOURCE / name, name)
    return out
