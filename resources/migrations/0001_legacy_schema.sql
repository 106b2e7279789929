-- Schema version 1: the tables of the first implementation, exactly as it created them
-- (SQLAlchemy's text, tabs and trailing spaces included, so that sqlite_master matches a legacy
-- file). IF NOT EXISTS lets a legacy file (user_version 0, tables present) pass through unchanged.
-- Do not reformat this file.

CREATE TABLE IF NOT EXISTS users_credentials (
	id INTEGER NOT NULL, 
	username VARCHAR, 
	email VARCHAR, 
	active BOOLEAN, 
	verified VARCHAR, 
	hashed_pswd BLOB, 
	salt BLOB, 
	PRIMARY KEY (id), 
	UNIQUE (username), 
	UNIQUE (email)
);

CREATE TABLE IF NOT EXISTS password_reset_users (
	token VARCHAR NOT NULL, 
	user_id INTEGER NOT NULL, 
	expiration_date DATETIME, 
	PRIMARY KEY (token, user_id)
);

CREATE TABLE IF NOT EXISTS logged_users (
	token VARCHAR NOT NULL, 
	user_id INTEGER NOT NULL, 
	expiration_date DATETIME, 
	PRIMARY KEY (token, user_id), 
	FOREIGN KEY(user_id) REFERENCES users_credentials (id)
);

CREATE TABLE IF NOT EXISTS evaluators (
	id INTEGER NOT NULL, 
	label VARCHAR, 
	host VARCHAR, 
	executor VARCHAR, 
	script_path VARCHAR, 
	base_arguments VARCHAR, 
	PRIMARY KEY (id), 
	UNIQUE (id), 
	UNIQUE (label)
);

CREATE TABLE IF NOT EXISTS challenges (
	id INTEGER NOT NULL, 
	label VARCHAR, 
	start_date DATE, 
	end_date DATE, 
	active BOOLEAN, 
	url VARCHAR, 
	evaluator INTEGER, 
	PRIMARY KEY (id), 
	UNIQUE (label), 
	FOREIGN KEY(evaluator) REFERENCES evaluators (id)
);

CREATE TABLE IF NOT EXISTS challenge_submissions (
	id VARCHAR NOT NULL, 
	user_id INTEGER, 
	track_id INTEGER, 
	submit_date DATETIME, 
	status VARCHAR, 
	PRIMARY KEY (id), 
	UNIQUE (id), 
	FOREIGN KEY(track_id) REFERENCES challenges (id)
);
