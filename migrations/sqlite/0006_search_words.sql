-- Word search (issue #10): the words of users.search_name and sel_services.search_text in
-- B-tree tables, so the members and SEL directories look a word up by prefix in an index
-- instead of LIKE '%q%' over every row. The application writes those two columns as
-- " word word " (sh_search_text, src/core/search_text.c: folded, cut into words in C, so
-- both databases hold the same words); the triggers below copy the words of every write,
-- the bench and demo loaders' included, into the word tables. A search for "gar" is then
-- word >= 'gar' AND word < 'gar' || U+10FFFF on the primary key.
--
-- SQLite: a trigger cannot run a WITH query, so a text is cut at its spaces by json_each
-- over '["w1","w2"]'. sh_search_text never writes a quote, a backslash or a control
-- character; they are replaced anyway, so a hand-written value cannot make a write fail.
CREATE TABLE user_search_words (
    word    TEXT NOT NULL,
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    PRIMARY KEY (word, user_id)
) WITHOUT ROWID;
CREATE INDEX user_search_words_user ON user_search_words (user_id);

CREATE TABLE sel_service_search_words (
    word       TEXT NOT NULL,
    service_id TEXT NOT NULL REFERENCES sel_services (id) ON DELETE CASCADE,
    PRIMARY KEY (word, service_id)
) WITHOUT ROWID;
CREATE INDEX sel_service_search_words_service ON sel_service_search_words (service_id);

-- Rows written before this migration hold the old form (folded, punctuation kept, and
-- "first last | last first" for members): punctuation becomes spaces, as sh_search_text
-- would cut it (up to the rarer signs it also treats as spaces, until the row's next write).
-- (A few signs per statement: SQLite's parser refuses replace() nested 58 deep.)
UPDATE users SET search_name = replace(replace(replace(replace(replace(replace(replace(replace(search_name, '!', ' '), '"', ' '), '#', ' '), '$', ' '), '%', ' '), '&', ' '), '''', ' '), '(', ' ')
WHERE search_name <> '';
UPDATE users SET search_name = replace(replace(replace(replace(replace(replace(replace(replace(search_name, ')', ' '), '*', ' '), '+', ' '), ',', ' '), '-', ' '), '.', ' '), '/', ' '), ':', ' ')
WHERE search_name <> '';
UPDATE users SET search_name = replace(replace(replace(replace(replace(replace(replace(replace(search_name, ';', ' '), '<', ' '), '=', ' '), '>', ' '), '?', ' '), '@', ' '), '[', ' '), '\', ' ')
WHERE search_name <> '';
UPDATE users SET search_name = replace(replace(replace(replace(replace(replace(replace(replace(search_name, ']', ' '), '^', ' '), '_', ' '), '`', ' '), '{', ' '), '|', ' '), '}', ' '), '~', ' ')
WHERE search_name <> '';
UPDATE users SET search_name = replace(replace(replace(replace(replace(replace(replace(replace(search_name, ' ', ' '), '«', ' '), '»', ' '), '°', ' '), '·', ' '), '×', ' '), '÷', ' '), '¿', ' ')
WHERE search_name <> '';
UPDATE users SET search_name = replace(replace(replace(replace(replace(replace(replace(replace(search_name, '¡', ' '), '§', ' '), '’', ' '), '‘', ' '), '“', ' '), '”', ' '), '–', ' '), '—', ' ')
WHERE search_name <> '';
UPDATE users SET search_name = replace(replace(replace(replace(replace(replace(replace(replace(search_name, '…', ' '), '•', ' '), '€', ' '), '‚', ' '), '„', ' '), '‹', ' '), '›', ' '), char(9), ' ')
WHERE search_name <> '';
UPDATE users SET search_name = replace(replace(search_name, char(10), ' '), char(13), ' ')
WHERE search_name <> '';
UPDATE users SET search_name = ' ' || search_name || ' ' WHERE search_name <> '';
UPDATE sel_services SET search_text = replace(replace(replace(replace(replace(replace(replace(replace(search_text, '!', ' '), '"', ' '), '#', ' '), '$', ' '), '%', ' '), '&', ' '), '''', ' '), '(', ' ')
WHERE search_text <> '';
UPDATE sel_services SET search_text = replace(replace(replace(replace(replace(replace(replace(replace(search_text, ')', ' '), '*', ' '), '+', ' '), ',', ' '), '-', ' '), '.', ' '), '/', ' '), ':', ' ')
WHERE search_text <> '';
UPDATE sel_services SET search_text = replace(replace(replace(replace(replace(replace(replace(replace(search_text, ';', ' '), '<', ' '), '=', ' '), '>', ' '), '?', ' '), '@', ' '), '[', ' '), '\', ' ')
WHERE search_text <> '';
UPDATE sel_services SET search_text = replace(replace(replace(replace(replace(replace(replace(replace(search_text, ']', ' '), '^', ' '), '_', ' '), '`', ' '), '{', ' '), '|', ' '), '}', ' '), '~', ' ')
WHERE search_text <> '';
UPDATE sel_services SET search_text = replace(replace(replace(replace(replace(replace(replace(replace(search_text, ' ', ' '), '«', ' '), '»', ' '), '°', ' '), '·', ' '), '×', ' '), '÷', ' '), '¿', ' ')
WHERE search_text <> '';
UPDATE sel_services SET search_text = replace(replace(replace(replace(replace(replace(replace(replace(search_text, '¡', ' '), '§', ' '), '’', ' '), '‘', ' '), '“', ' '), '”', ' '), '–', ' '), '—', ' ')
WHERE search_text <> '';
UPDATE sel_services SET search_text = replace(replace(replace(replace(replace(replace(replace(replace(search_text, '…', ' '), '•', ' '), '€', ' '), '‚', ' '), '„', ' '), '‹', ' '), '›', ' '), char(9), ' ')
WHERE search_text <> '';
UPDATE sel_services SET search_text = replace(replace(search_text, char(10), ' '), char(13), ' ')
WHERE search_text <> '';
UPDATE sel_services SET search_text = ' ' || search_text || ' ' WHERE search_text <> '';

INSERT INTO user_search_words (word, user_id)
SELECT DISTINCT w.value, u.id
FROM users u, json_each('["' || replace(u.search_name, ' ', '","') || '"]') w
WHERE w.value <> '';
INSERT INTO sel_service_search_words (word, service_id)
SELECT DISTINCT w.value, s.id
FROM sel_services s, json_each('["' || replace(s.search_text, ' ', '","') || '"]') w
WHERE w.value <> '';

CREATE TRIGGER user_search_words_insert AFTER INSERT ON users
BEGIN
    INSERT INTO user_search_words (word, user_id)
    SELECT DISTINCT value, new.id
    FROM json_each('["' || replace(replace(replace(replace(replace(replace(new.search_name, '"', ' '), '\', ' '), char(9), ' '), char(10), ' '), char(13), ' '), ' ', '","') || '"]')
    WHERE value <> '';
END;
CREATE TRIGGER user_search_words_update AFTER UPDATE OF search_name ON users
WHEN old.search_name IS NOT new.search_name
BEGIN
    DELETE FROM user_search_words WHERE user_id = old.id;
    INSERT INTO user_search_words (word, user_id)
    SELECT DISTINCT value, new.id
    FROM json_each('["' || replace(replace(replace(replace(replace(replace(new.search_name, '"', ' '), '\', ' '), char(9), ' '), char(10), ' '), char(13), ' '), ' ', '","') || '"]')
    WHERE value <> '';
END;

CREATE TRIGGER sel_service_search_words_insert AFTER INSERT ON sel_services
BEGIN
    INSERT INTO sel_service_search_words (word, service_id)
    SELECT DISTINCT value, new.id
    FROM json_each('["' || replace(replace(replace(replace(replace(replace(new.search_text, '"', ' '), '\', ' '), char(9), ' '), char(10), ' '), char(13), ' '), ' ', '","') || '"]')
    WHERE value <> '';
END;
CREATE TRIGGER sel_service_search_words_update AFTER UPDATE OF search_text ON sel_services
WHEN old.search_text IS NOT new.search_text
BEGIN
    DELETE FROM sel_service_search_words WHERE service_id = old.id;
    INSERT INTO sel_service_search_words (word, service_id)
    SELECT DISTINCT value, new.id
    FROM json_each('["' || replace(replace(replace(replace(replace(replace(new.search_text, '"', ' '), '\', ' '), char(9), ' '), char(10), ' '), char(13), ' '), ' ', '","') || '"]')
    WHERE value <> '';
END;
