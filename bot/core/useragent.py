"""The User-Agent of every outgoing request (feeds, MusicBrainz), with the operator's contact."""

from __future__ import annotations

from bot import __version__

# Neither pyproject.toml nor README.md names a repository URL, so there is no placeholder to fall
# back on: say plainly that the operator has not set MUSICBRAINZ_CONTACT.
NO_CONTACT = "no contact configured"


def user_agent(contact: str | None) -> str:
    """Return ``LinerNotes/<version> ( <contact> )``, as MusicBrainz asks of every client."""
    shown = contact.strip() if contact and contact.strip() else NO_CONTACT
    return f"LinerNotes/{__version__} ( {shown} )"
