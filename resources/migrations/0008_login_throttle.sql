-- Schema version 8: login throttling (a table we add, data.md; accounts/login_throttle.hpp). One
-- row per throttled key ("account:<user id>", "login:<unknown login, lower-cased>", "address:<ip or
-- IPv6 /64>") while it means something: failed logins in the current window, the blocks so far
-- (each doubles the next) and the end of the current block. Every zr process on the host reads and
-- writes the same rows. A row is deleted once `expires` has passed (a window without failure after
-- its last block), so the table holds only recent failures. Times are Unix milliseconds.
CREATE TABLE IF NOT EXISTS login_throttle (
	key VARCHAR NOT NULL, 
	failures INTEGER NOT NULL, 
	window_start INTEGER NOT NULL, 
	blocks INTEGER NOT NULL, 
	blocked_until INTEGER NOT NULL, 
	expires INTEGER NOT NULL, 
	PRIMARY KEY (key)
);
CREATE INDEX IF NOT EXISTS ix_login_throttle_expires ON login_throttle (expires);
