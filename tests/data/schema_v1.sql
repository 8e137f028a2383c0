CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS accounts (
    apiid TEXT PRIMARY KEY, apikey TEXT NOT NULL, balance INTEGER NOT NULL,
    frozen INTEGER NOT NULL DEFAULT 0, auto_frozen INTEGER NOT NULL DEFAULT 0,
    registered_ips TEXT NOT NULL DEFAULT '[]', receipt_url TEXT NOT NULL DEFAULT '');
CREATE TABLE IF NOT EXISTS blacklist (mobile TEXT PRIMARY KEY) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS refused_ips (ip TEXT PRIMARY KEY) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS deliveries (
    id INTEGER PRIMARY KEY, voiceid TEXT NOT NULL, account TEXT NOT NULL,
    mobile TEXT NOT NULL, content TEXT NOT NULL, time REAL NOT NULL, outcome TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS deliveries_mobile ON deliveries (mobile, time);
CREATE INDEX IF NOT EXISTS deliveries_account ON deliveries (account, time);
-- AUTOINCREMENT: an id is never issued twice, resets and pruning included; voice ids derive from it
CREATE TABLE IF NOT EXISTS journal (
    id INTEGER PRIMARY KEY AUTOINCREMENT, time REAL NOT NULL, client_ip TEXT NOT NULL,
    method TEXT NOT NULL, account TEXT NOT NULL, mobile TEXT NOT NULL, params TEXT NOT NULL,
    code INTEGER, voiceid TEXT NOT NULL, fault TEXT, outcome TEXT);
CREATE TABLE IF NOT EXISTS receipts (
    id INTEGER PRIMARY KEY, voiceid TEXT NOT NULL, account TEXT NOT NULL, mobile TEXT NOT NULL,
    outcome TEXT NOT NULL, url TEXT NOT NULL, report_at REAL NOT NULL, status TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0, next_at REAL NOT NULL, claimed_at REAL);
CREATE INDEX IF NOT EXISTS receipts_due ON receipts (status, next_at);
CREATE INDEX IF NOT EXISTS receipts_voiceid ON receipts (voiceid);
CREATE TABLE IF NOT EXISTS receipt_attempts (
    id INTEGER PRIMARY KEY, receipt_id INTEGER NOT NULL, time REAL NOT NULL, url TEXT NOT NULL,
    status INTEGER, body TEXT NOT NULL, error TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS receipt_attempts_receipt ON receipt_attempts (receipt_id);
CREATE TABLE IF NOT EXISTS counters (key TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID;
INSERT OR IGNORE INTO meta (key, value) VALUES ('scenario_version', 0);

-- A successful Submit is one INSERT into the journal: this trigger takes the unit (or aborts the
-- whole statement when none is left), names the voice id after the journal row and records the
-- delivery, all inside that one statement's transaction. One statement instead of six keeps the
-- write lock short, which is what bounds throughput with several workers.
CREATE TRIGGER IF NOT EXISTS submit_success AFTER INSERT ON journal
WHEN NEW.code = 2 AND NEW.method = 'Submit'
BEGIN
    SELECT RAISE(ABORT, 'balance exhausted')
    WHERE NOT EXISTS (SELECT 1 FROM accounts WHERE apiid = NEW.account AND balance > 0);
    UPDATE accounts SET balance = balance - 1 WHERE apiid = NEW.account;
    UPDATE journal SET voiceid = printf('%010d%010d', CAST(NEW.time AS INTEGER), NEW.id) WHERE id = NEW.id;
    INSERT INTO deliveries (id, voiceid, account, mobile, content, time, outcome)
    VALUES (NEW.id, printf('%010d%010d', CAST(NEW.time AS INTEGER), NEW.id), NEW.account, NEW.mobile,
            json_extract(NEW.params, '$.content'), NEW.time, coalesce(NEW.outcome, 'answered'));
END;
