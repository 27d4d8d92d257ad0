-- What each idempotent create was asked (a SHA-256 of the request in deterministic protobuf
-- form), so a reused request_id with a different request is refused instead of replayed.
-- Empty for keys recorded before this migration: those replay as before.
ALTER TABLE idempotency_keys ADD COLUMN request_fingerprint TEXT NOT NULL DEFAULT '';
