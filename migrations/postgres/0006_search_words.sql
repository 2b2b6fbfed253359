-- Word search (issue #10): the words of users.search_name and sel_services.search_text in
-- B-tree tables, so the members and SEL directories look a word up by prefix in an index
-- instead of LIKE '%q%' over every row. The application writes those two columns as
-- " word word " (sh_search_text, src/core/search_text.c: folded, cut into words in C, so
-- both databases hold the same words); the triggers below copy the words of every write,
-- the bench and demo loaders' included, into the word tables. A search for "gar" is then
-- word >= 'gar' AND word < 'gar' || U+10FFFF on the primary key.
--
-- PostgreSQL: the word columns sort byte by byte (COLLATE "C"), as SQLite's BINARY does,
-- so the same range finds the same words on both.
CREATE TABLE user_search_words (
    word    TEXT COLLATE "C" NOT NULL,
    user_id UUID NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    PRIMARY KEY (word, user_id)
);
CREATE INDEX user_search_words_user ON user_search_words (user_id);

CREATE TABLE sel_service_search_words (
    word       TEXT COLLATE "C" NOT NULL,
    service_id UUID NOT NULL REFERENCES sel_services (id) ON DELETE CASCADE,
    PRIMARY KEY (word, service_id)
);
CREATE INDEX sel_service_search_words_service ON sel_service_search_words (service_id);

-- Rows written before this migration hold the old form (folded, punctuation kept, and
-- "first last | last first" for members): punctuation becomes spaces, as sh_search_text
-- would cut it (up to the rarer signs it also treats as spaces, until the row's next write).
UPDATE users SET search_name = ' ' || translate(search_name, E'\t\n\r' || '!"#$%&''()*+,-./:;<=>?@[\]^_`{|}~ «»°·×÷¿¡§’‘“”–—…•€‚„‹›', repeat(' ', 58)) || ' '
WHERE search_name <> '';
UPDATE sel_services SET search_text = ' ' || translate(search_text, E'\t\n\r' || '!"#$%&''()*+,-./:;<=>?@[\]^_`{|}~ «»°·×÷¿¡§’‘“”–—…•€‚„‹›', repeat(' ', 58)) || ' '
WHERE search_text <> '';

INSERT INTO user_search_words (word, user_id)
SELECT DISTINCT w, u.id FROM users u, unnest(string_to_array(u.search_name, ' ')) AS w
WHERE w <> '';
INSERT INTO sel_service_search_words (word, service_id)
SELECT DISTINCT w, s.id FROM sel_services s, unnest(string_to_array(s.search_text, ' ')) AS w
WHERE w <> '';

CREATE FUNCTION user_search_words_sync() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM user_search_words WHERE user_id = NEW.id;
    INSERT INTO user_search_words (word, user_id)
    SELECT DISTINCT w, NEW.id FROM unnest(string_to_array(NEW.search_name, ' ')) AS w
    WHERE w <> '';
    RETURN NULL;
END
$$;
CREATE TRIGGER user_search_words_insert AFTER INSERT ON users
    FOR EACH ROW EXECUTE FUNCTION user_search_words_sync();
CREATE TRIGGER user_search_words_update AFTER UPDATE OF search_name ON users
    FOR EACH ROW WHEN (OLD.search_name IS DISTINCT FROM NEW.search_name)
    EXECUTE FUNCTION user_search_words_sync();

CREATE FUNCTION sel_service_search_words_sync() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM sel_service_search_words WHERE service_id = NEW.id;
    INSERT INTO sel_service_search_words (word, service_id)
    SELECT DISTINCT w, NEW.id FROM unnest(string_to_array(NEW.search_text, ' ')) AS w
    WHERE w <> '';
    RETURN NULL;
END
$$;
CREATE TRIGGER sel_service_search_words_insert AFTER INSERT ON sel_services
    FOR EACH ROW EXECUTE FUNCTION sel_service_search_words_sync();
CREATE TRIGGER sel_service_search_words_update AFTER UPDATE OF search_text ON sel_services
    FOR EACH ROW WHEN (OLD.search_text IS DISTINCT FROM NEW.search_text)
    EXECUTE FUNCTION sel_service_search_words_sync();
