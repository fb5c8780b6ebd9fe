"""The schema steps of every released version, as they shipped (copied from ``credits_core/schema.py`` at each
commit): a file written by that version is made by running them. ``tests/test_migrations.py`` opens such files
with today's program. Never edit: they are history."""

RELEASED = {
    # a57dbc5: schema 2
    'a57dbc5': [   [   'CREATE TABLE meta (key VARCHAR PRIMARY KEY, value VARCHAR)',
            'CREATE TABLE lists (list_no INTEGER NOT NULL, list_id VARCHAR NOT NULL, name VARCHAR)',
            'CREATE TABLE events (\n'
            '            seq BIGINT NOT NULL, occurred_at TIMESTAMP NOT NULL, kind VARCHAR NOT NULL, list_id '
            'VARCHAR,\n'
            '            credits BIGINT, lot_id VARCHAR, expiring BOOLEAN, price DECIMAL(18, 2))',
            'CREATE TABLE messages (\n'
            '            seq BIGINT NOT NULL, message_id VARCHAR NOT NULL, list_no INTEGER NOT NULL, sent_at '
            'TIMESTAMP NOT NULL,\n'
            '            credits BIGINT NOT NULL, country VARCHAR, parts INTEGER, campaign_id VARCHAR, recipient '
            'VARCHAR,\n'
            '            text VARCHAR)',
            'CREATE TABLE checkpoints (\n'
            '            at_us BIGINT NOT NULL, seq BIGINT NOT NULL, kind VARCHAR NOT NULL, ctl_seq BIGINT,\n'
            '            state VARCHAR NOT NULL, detail VARCHAR NOT NULL)'],
        [   'CREATE TABLE daily_usage (\n'
            '            day DATE NOT NULL, list_no INTEGER NOT NULL, country VARCHAR, campaign_id VARCHAR,\n'
            '            messages BIGINT NOT NULL, parts BIGINT NOT NULL, credits BIGINT NOT NULL)',
            'CREATE TABLE campaigns (\n'
            '            campaign_id VARCHAR NOT NULL, list_id VARCHAR NOT NULL, scheduled_at TIMESTAMP NOT '
            'NULL,\n'
            '            text VARCHAR NOT NULL, recipients VARCHAR NOT NULL, credits BIGINT NOT NULL,\n'
            '            status VARCHAR NOT NULL, created_seq BIGINT NOT NULL)']],
    # eeb5c07: schema 3
    'eeb5c07': [   [   'CREATE TABLE meta (key VARCHAR PRIMARY KEY, value VARCHAR)',
            'CREATE TABLE lists (list_no INTEGER NOT NULL, list_id VARCHAR NOT NULL, name VARCHAR)',
            'CREATE TABLE events (\n'
            '            seq BIGINT NOT NULL, occurred_at TIMESTAMP NOT NULL, kind VARCHAR NOT NULL, list_id '
            'VARCHAR,\n'
            '            credits BIGINT, lot_id VARCHAR, expiring BOOLEAN, price DECIMAL(18, 2))',
            'CREATE TABLE messages (\n'
            '            seq BIGINT NOT NULL, message_id VARCHAR NOT NULL, list_no INTEGER NOT NULL, sent_at '
            'TIMESTAMP NOT NULL,\n'
            '            credits BIGINT NOT NULL, country VARCHAR, parts INTEGER, campaign_id VARCHAR, recipient '
            'VARCHAR,\n'
            '            text VARCHAR)',
            'CREATE TABLE checkpoints (\n'
            '            at_us BIGINT NOT NULL, seq BIGINT NOT NULL, kind VARCHAR NOT NULL, ctl_seq BIGINT,\n'
            '            state VARCHAR NOT NULL, detail VARCHAR NOT NULL)'],
        [   'CREATE TABLE daily_usage (\n'
            '            day DATE NOT NULL, list_no INTEGER NOT NULL, country VARCHAR, campaign_id VARCHAR,\n'
            '            messages BIGINT NOT NULL, parts BIGINT NOT NULL, credits BIGINT NOT NULL)',
            'CREATE TABLE campaigns (\n'
            '            campaign_id VARCHAR NOT NULL, list_id VARCHAR NOT NULL, scheduled_at TIMESTAMP NOT '
            'NULL,\n'
            '            text VARCHAR NOT NULL, recipients VARCHAR NOT NULL, credits BIGINT NOT NULL,\n'
            '            status VARCHAR NOT NULL, created_seq BIGINT NOT NULL)'],
        [   'CREATE TABLE alerts_sent (key VARCHAR PRIMARY KEY, figure BIGINT NOT NULL, sent_at TIMESTAMP NOT '
            'NULL)']],
    # 3ccb118: schema 4
    '3ccb118': [   [   'CREATE TABLE meta (key VARCHAR PRIMARY KEY, value VARCHAR)',
            'CREATE TABLE lists (list_no INTEGER NOT NULL, list_id VARCHAR NOT NULL, name VARCHAR)',
            'CREATE TABLE events (\n'
            '            seq BIGINT NOT NULL, occurred_at TIMESTAMP NOT NULL, kind VARCHAR NOT NULL, list_id '
            'VARCHAR,\n'
            '            credits BIGINT, lot_id VARCHAR, expiring BOOLEAN, price DECIMAL(18, 2))',
            'CREATE TABLE messages (\n'
            '            seq BIGINT NOT NULL, message_id VARCHAR NOT NULL, list_no INTEGER NOT NULL, sent_at '
            'TIMESTAMP NOT NULL,\n'
            '            credits BIGINT NOT NULL, country VARCHAR, parts INTEGER, campaign_id VARCHAR, recipient '
            'VARCHAR,\n'
            '            text VARCHAR)',
            'CREATE TABLE checkpoints (\n'
            '            at_us BIGINT NOT NULL, seq BIGINT NOT NULL, kind VARCHAR NOT NULL, ctl_seq BIGINT,\n'
            '            state VARCHAR NOT NULL, detail VARCHAR NOT NULL)'],
        [   'CREATE TABLE daily_usage (\n'
            '            day DATE NOT NULL, list_no INTEGER NOT NULL, country VARCHAR, campaign_id VARCHAR,\n'
            '            messages BIGINT NOT NULL, parts BIGINT NOT NULL, credits BIGINT NOT NULL)',
            'CREATE TABLE campaigns (\n'
            '            campaign_id VARCHAR NOT NULL, list_id VARCHAR NOT NULL, scheduled_at TIMESTAMP NOT '
            'NULL,\n'
            '            text VARCHAR NOT NULL, recipients VARCHAR NOT NULL, credits BIGINT NOT NULL,\n'
            '            status VARCHAR NOT NULL, created_seq BIGINT NOT NULL)'],
        [   'CREATE TABLE alerts_sent (key VARCHAR PRIMARY KEY, figure BIGINT NOT NULL, sent_at TIMESTAMP NOT '
            'NULL)'],
        [   'ALTER TABLE events ADD COLUMN author VARCHAR',
            'ALTER TABLE campaigns ADD COLUMN author VARCHAR',
            'CREATE TABLE audit (seq BIGINT NOT NULL, done_at TIMESTAMP NOT NULL, author VARCHAR, action VARCHAR '
            'NOT NULL, detail VARCHAR NOT NULL)']],
    # 0dacb34: schema 5
    '0dacb34': [   [   'CREATE TABLE meta (key VARCHAR PRIMARY KEY, value VARCHAR)',
            'CREATE TABLE lists (list_no INTEGER NOT NULL, list_id VARCHAR NOT NULL, name VARCHAR)',
            'CREATE TABLE events (\n'
            '            seq BIGINT NOT NULL, occurred_at TIMESTAMP NOT NULL, kind VARCHAR NOT NULL, list_id '
            'VARCHAR,\n'
            '            credits BIGINT, lot_id VARCHAR, expiring BOOLEAN, price DECIMAL(18, 2))',
            'CREATE TABLE messages (\n'
            '            seq BIGINT NOT NULL, message_id VARCHAR NOT NULL, list_no INTEGER NOT NULL, sent_at '
            'TIMESTAMP NOT NULL,\n'
            '            credits BIGINT NOT NULL, country VARCHAR, parts INTEGER, campaign_id VARCHAR, recipient '
            'VARCHAR,\n'
            '            text VARCHAR)',
            'CREATE TABLE checkpoints (\n'
            '            at_us BIGINT NOT NULL, seq BIGINT NOT NULL, kind VARCHAR NOT NULL, ctl_seq BIGINT,\n'
            '            state VARCHAR NOT NULL, detail VARCHAR NOT NULL)'],
        [   'CREATE TABLE daily_usage (\n'
            '            day DATE NOT NULL, list_no INTEGER NOT NULL, country VARCHAR, campaign_id VARCHAR,\n'
            '            messages BIGINT NOT NULL, parts BIGINT NOT NULL, credits BIGINT NOT NULL)',
            'CREATE TABLE campaigns (\n'
            '            campaign_id VARCHAR NOT NULL, list_id VARCHAR NOT NULL, scheduled_at TIMESTAMP NOT '
            'NULL,\n'
            '            text VARCHAR NOT NULL, recipients VARCHAR NOT NULL, credits BIGINT NOT NULL,\n'
            '            status VARCHAR NOT NULL, created_seq BIGINT NOT NULL)'],
        [   'CREATE TABLE alerts_sent (key VARCHAR PRIMARY KEY, figure BIGINT NOT NULL, sent_at TIMESTAMP NOT '
            'NULL)'],
        [   'ALTER TABLE events ADD COLUMN author VARCHAR',
            'ALTER TABLE campaigns ADD COLUMN author VARCHAR',
            'ALTER TABLE campaigns ADD COLUMN created_at TIMESTAMP',
            'CREATE TABLE audit (seq BIGINT NOT NULL, done_at TIMESTAMP NOT NULL, author VARCHAR, action VARCHAR '
            'NOT NULL, detail VARCHAR NOT NULL)'],
        [   'CREATE TABLE lot_cuts (at_us BIGINT NOT NULL, seq BIGINT NOT NULL, off BIGINT NOT NULL, lot_id '
            'VARCHAR NOT NULL)',
            'CREATE TABLE campaign_info (campaign_id VARCHAR PRIMARY KEY, name VARCHAR, list_id VARCHAR, sent_at '
            'TIMESTAMP, text VARCHAR)']],
    # a035124: schema 6
    'a035124': [   [   'CREATE TABLE meta (key VARCHAR PRIMARY KEY, value VARCHAR)',
            'CREATE TABLE lists (list_no INTEGER NOT NULL, list_id VARCHAR NOT NULL, name VARCHAR)',
            'CREATE TABLE events (\n'
            '            seq BIGINT NOT NULL, occurred_at TIMESTAMP NOT NULL, kind VARCHAR NOT NULL, list_id '
            'VARCHAR,\n'
            '            credits BIGINT, lot_id VARCHAR, expiring BOOLEAN, price DECIMAL(18, 2))',
            'CREATE TABLE messages (\n'
            '            seq BIGINT NOT NULL, message_id VARCHAR NOT NULL, list_no INTEGER NOT NULL, sent_at '
            'TIMESTAMP NOT NULL,\n'
            '            credits BIGINT NOT NULL, country VARCHAR, parts INTEGER, campaign_id VARCHAR, recipient '
            'VARCHAR,\n'
            '            text VARCHAR)',
            'CREATE TABLE checkpoints (\n'
            '            at_us BIGINT NOT NULL, seq BIGINT NOT NULL, kind VARCHAR NOT NULL, ctl_seq BIGINT,\n'
            '            state VARCHAR NOT NULL, detail VARCHAR NOT NULL)'],
        [   'CREATE TABLE daily_usage (\n'
            '            day DATE NOT NULL, list_no INTEGER NOT NULL, country VARCHAR, campaign_id VARCHAR,\n'
            '            messages BIGINT NOT NULL, parts BIGINT NOT NULL, credits BIGINT NOT NULL)',
            'CREATE TABLE campaigns (\n'
            '            campaign_id VARCHAR NOT NULL, list_id VARCHAR NOT NULL, scheduled_at TIMESTAMP NOT '
            'NULL,\n'
            '            text VARCHAR NOT NULL, recipients VARCHAR NOT NULL, credits BIGINT NOT NULL,\n'
            '            status VARCHAR NOT NULL, created_seq BIGINT NOT NULL)'],
        [   'CREATE TABLE alerts_sent (key VARCHAR PRIMARY KEY, figure BIGINT NOT NULL, sent_at TIMESTAMP NOT '
            'NULL)'],
        [   'ALTER TABLE events ADD COLUMN author VARCHAR',
            'ALTER TABLE campaigns ADD COLUMN author VARCHAR',
            'ALTER TABLE campaigns ADD COLUMN created_at TIMESTAMP',
            'CREATE TABLE audit (seq BIGINT NOT NULL, done_at TIMESTAMP NOT NULL, author VARCHAR, action VARCHAR '
            'NOT NULL, detail VARCHAR NOT NULL)'],
        [   'CREATE TABLE lot_cuts (at_us BIGINT NOT NULL, seq BIGINT NOT NULL, off BIGINT NOT NULL, lot_id '
            'VARCHAR NOT NULL)',
            'CREATE TABLE campaign_info (campaign_id VARCHAR PRIMARY KEY, name VARCHAR, list_id VARCHAR, sent_at '
            'TIMESTAMP, text VARCHAR)'],
        [   'CREATE TABLE mailup_messages (id_message BIGINT PRIMARY KEY, list_id VARCHAR NOT NULL, sendings '
            'BIGINT NOT NULL, complete BOOLEAN NOT NULL, synced_at TIMESTAMP NOT NULL)',
            'CREATE TABLE mailup_status (list_id VARCHAR, credit BIGINT NOT NULL, synced_at TIMESTAMP NOT NULL, '
            'detail VARCHAR)']],
}
