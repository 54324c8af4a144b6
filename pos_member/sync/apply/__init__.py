"""The store side of sync: a pulled page of changes, and the service's answers to a push.

Both are applied in ONE write transaction each (``BEGIN IMMEDIATE``), so a crash leaves either
all of a page (and its cursor) or none of it, and either all of a batch's answers or none. The
package is split along that line: :mod:`.pull` applies a page (and caches a member looked up
online), in dependency order, with :mod:`.catalogue` (categories, products, barcodes, rules,
signing keys, revocations), :mod:`.members` (members, their point lots, identities held back
for an unconfirmed local registration, merges) and :mod:`.coupons`; :mod:`.push` applies the
service's answers to a pushed batch; :mod:`.rows` holds what they share (the stored text of an
instant, the session's raw DBAPI connection, chunked look-ups, JSON settings). Statements go
through the raw ``sqlite3`` cursor of the session's own connection (an initial pull is a
million members), inside the session's transaction.
"""
