-- Why: processes sharing one database must keep a web service's request rate together (MusicBrainz allows one request a second per address, however many processes make them): each service's next free request slot is one row they all take turns on.

-- `next_at_ms`: the earliest time (milliseconds since 1970, UTC) the next request may leave.
CREATE TABLE service_slots (
    service    TEXT PRIMARY KEY,
    next_at_ms INTEGER NOT NULL
) STRICT;
