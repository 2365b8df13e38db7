"""A stand-in for YouTube's feeds: ``GET /feeds/videos.xml?playlist_id=UULF…`` (or
``?channel_id=UC…``) answers an Atom feed in the shape YouTube serves (``yt:videoId``,
``yt:channelId``, ``media:group``), newest first. Unknown playlists answer 404, as YouTube does.
``GET /@handle`` answers the channel's page, naming its channel id as YouTube's pages do.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from xml.sax.saxutils import escape

from aiohttp import web

from tests.support.http import LocalServer


@dataclass
class Video:
    """One upload: its id, title and time; ``short`` makes its link a /shorts/ one."""

    video_id: str
    title: str
    published: datetime
    short: bool = False


@dataclass
class YouTubeStandIn:
    """Serves one channel's uploads feed."""

    channel_id: str  # "UC" + 22 characters
    title: str = "IU Official"
    handle: str = "@iuofficial"  # its page (GET /@iuofficial) names the channel as YouTube's does
    videos: list[Video] = field(default_factory=list)
    requests: list[dict[str, str]] = field(default_factory=list)
    local: LocalServer | None = None
    port: int = 0

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}/feeds/videos.xml"

    def atom(self) -> bytes:
        entries = []
        for v in sorted(self.videos, key=lambda v: v.published, reverse=True):
            link = (
                f"https://www.youtube.com/shorts/{v.video_id}"
                if v.short
                else f"https://www.youtube.com/watch?v={v.video_id}"
            )
            when = v.published.isoformat()
            entries.append(
                f"<entry><id>yt:video:{v.video_id}</id><yt:videoId>{v.video_id}</yt:videoId>"
                f"<yt:channelId>{self.channel_id}</yt:channelId>"
                f"<title>{escape(v.title)}</title>"
                f'<link rel="alternate" href="{link}"/>'
                f"<author><name>{escape(self.title)}</name>"
                f"<uri>https://www.youtube.com/channel/{self.channel_id}</uri></author>"
                f"<published>{when}</published><updated>{when}</updated>"
                f"<media:group><media:title>{escape(v.title)}</media:title>"
                f'<media:thumbnail url="https://i.ytimg.com/vi/{v.video_id}/hqdefault.jpg" '
                'width="480" height="360"/>'
                f"<media:description>{escape(v.title)}</media:description></media:group></entry>"
            )
        return (
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<feed xmlns:yt="http://www.youtube.com/xml/schemas/2015" '
            'xmlns:media="http://search.yahoo.com/mrss/" xmlns="http://www.w3.org/2005/Atom">'
            f'<link rel="self" href="{self.base}"/>'
            f"<id>yt:channel:{self.channel_id[2:]}</id>"
            f"<yt:channelId>{self.channel_id}</yt:channelId>"
            f"<title>{escape(self.title)}</title>"
            f'<link rel="alternate" href="https://www.youtube.com/channel/{self.channel_id}"/>'
            f"<published>2008-01-01T00:00:00+00:00</published>{''.join(entries)}</feed>"
        ).encode()

    async def serve_feed(self, request: web.Request) -> web.StreamResponse:
        self.requests.append(dict(request.query))
        playlist = request.query.get("playlist_id")
        channel = request.query.get("channel_id")
        if playlist != "UULF" + self.channel_id[2:] and channel != self.channel_id:
            return web.Response(status=404, text="Not Found")
        return web.Response(body=self.atom(), content_type="application/atom+xml")

    async def handle_page(self, request: web.Request) -> web.StreamResponse:
        """A channel page: YouTube names the channel in its canonical link and page data."""
        if request.match_info["handle"] != self.handle:
            return web.Response(status=404, text="Not Found")
        page = (
            "<!DOCTYPE html><html><head>"
            f'<link rel="canonical" href="https://www.youtube.com/channel/{self.channel_id}">'
            f"<title>{escape(self.title)} - YouTube</title></head><body><script>"
            f'var ytInitialData = {{"metadata":{{"channelMetadataRenderer":{{"externalId":'
            f'"{self.channel_id}","title":"{escape(self.title)}"}}}}}};</script></body></html>'
        )
        return web.Response(text=page, content_type="text/html")

    async def start(self) -> YouTubeStandIn:
        app = web.Application()
        app.router.add_get("/feeds/videos.xml", self.serve_feed)
        app.router.add_get("/{handle:@[^/]+}", self.handle_page)
        self.local = await LocalServer(app).start()
        self.port = self.local.port
        return self

    async def stop(self) -> None:
        if self.local is not None:
            await self.local.stop()
