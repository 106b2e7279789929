-- Schema version 2: leaderboards, as the first implementation's later versions added it
-- (data.md "Tables we add"), written in the same style as the legacy tables.
CREATE TABLE IF NOT EXISTS leaderboards (
	id INTEGER NOT NULL, 
	challenge_id INTEGER, 
	label VARCHAR, 
	path_to VARCHAR, 
	entry_file VARCHAR, 
	archived BOOLEAN, 
	external_entries VARCHAR, 
	static_files BOOLEAN, 
	sorting_key VARCHAR, 
	PRIMARY KEY (id), 
	UNIQUE (label), 
	FOREIGN KEY(challenge_id) REFERENCES challenges (id)
);
