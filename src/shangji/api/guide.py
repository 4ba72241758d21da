"""The getting-started text at the top of the API docs: what a client needs to keep another
system in step with Shangji, both ways."""

SYNC_GUIDE = """
**Two-way sync in five steps.**

1. *Authenticate.* Create a read-write API key for a user whose permissions fit the job (an
   administrator or executive sees everything; a manager their team; a rep their own records):
   on the profile page, with `POST /api-keys`, or `shangji token create USER`. Send it as
   `Authorization: Bearer <key>`.
2. *Load everything once.* Page through `GET /opportunities`, `/accounts`, `/contacts`,
   `/leads` and `/activities` with `limit` and the `next_cursor` of each page (keyset
   pagination: pages neither skip nor repeat rows while others write). `GET /pipelines`,
   `/users` and `/organisation` give the stages, the people and the fiscal year. Before you
   start, page `GET /changes` to its end (until `has_more` is false) and keep its `next`
   cursor: that is where step 3 starts.
3. *Follow changes from Shangji.* Poll `GET /changes?since=<cursor>` and keep each answer's
   `next`: every create, update and delete you may see arrives once, in commit order
   (`kind`, `entity_id`, `action`, `actor`, the record's fields in `payload`, and
   `payload.changed` for an update; a deletion carries the record as it was). Ask again at
   once while `has_more` is true. Or subscribe a webhook (`POST /webhooks`, administrators)
   for the same events pushed to you, signed with HMAC-SHA256; the feed is the safe way to
   catch up after your receiver was down.
4. *Send your changes to Shangji.* Create with `POST` and an `Idempotency-Key` header (a
   retried request never makes a second record) and keep your own id in `external_id`.
   Change with `PATCH` and the `version` you last read: if someone changed the record since,
   the answer is 409 with `current_version` and nothing is overwritten; read the record again,
   merge, and retry. Every refused write answers 400 with a message per field in the
   caller's language (`Accept-Language: zh-Hans` or `en`) and changes nothing.
5. *Do not echo your own writes.* Every event names its `actor`: skip the events made by your
   integration's user, or compare the `version` you wrote.

Limits: see *Rate limits* below; a 429 carries `Retry-After`. Amounts are decimal strings with
an ISO currency code; dates are `YYYY-MM-DD`; times are UTC with `Z`.
"""
