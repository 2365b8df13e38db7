-- Why: cards show pictures and "Listen" buttons, each from a source: a release's front cover from the Cover Art Archive (a 404 remembered too), an artist's Wikimedia Commons image with its licence and author, curated images, and streaming links read from MusicBrainz and Wikidata, each stored with its source and the date it was fetched.

-- One picture per entity and role. `status` 'found' has a `url` (the image Discord shows);
-- 'none' remembers that the service has none (a 404, or no front image) until it is asked
-- again; 'pending' names a file (`asked`) still to be looked up (a Wikidata image whose
-- Commons licence has not been read yet). `asked` is what the service was asked about: a
-- release MBID ("release:<mbid>" or "release-group:<mbid>"), a Commons file name.
CREATE TABLE entity_images (
    entity_id  INTEGER NOT NULL REFERENCES entities (id) ON DELETE CASCADE,
    role       TEXT NOT NULL CHECK (role IN ('cover', 'portrait')),
    status     TEXT NOT NULL CHECK (status IN ('found', 'none', 'pending')),
    asked      TEXT,
    url        TEXT,
    page_url   TEXT,
    licence    TEXT,
    author     TEXT,
    source_id  INTEGER REFERENCES sources (id),
    origin     TEXT NOT NULL,
    fetched_at TEXT NOT NULL,
    CHECK ((status = 'found') = (url IS NOT NULL)),
    PRIMARY KEY (entity_id, role)
) STRICT;
CREATE INDEX entity_images_status ON entity_images (status, fetched_at);

-- A page where a release, song or artist can be played, and who says so. The platform is not
-- stored: it is recognised from the address's host when the card is drawn (one table of hosts).
CREATE TABLE listen_links (
    entity_id  INTEGER NOT NULL REFERENCES entities (id) ON DELETE CASCADE,
    url        TEXT NOT NULL CHECK (url <> ''),
    source_id  INTEGER NOT NULL REFERENCES sources (id),
    origin     TEXT NOT NULL,
    fetched_at TEXT NOT NULL,
    PRIMARY KEY (entity_id, url)
) STRICT;
CREATE INDEX listen_links_origin ON listen_links (origin, entity_id);
