ALTER TABLE `users` ADD `discoverable` integer DEFAULT true NOT NULL;--> statement-breakpoint
-- Message search (search/messages.ts): FTS5 over messages.text, Unicode-aware with diacritics folded. An
-- external-content index: the words live once, in messages; these triggers keep the index in step in the
-- same transaction as every insert, edit and deletion (a deleted message's words leave the index).
-- conversation_id is indexed too, so a search is narrowed to my conversations inside the index.
CREATE VIRTUAL TABLE `messages_fts` USING fts5(text, conversation_id, content='messages', content_rowid='seq', tokenize='unicode61 remove_diacritics 2', prefix='2 3');
--> statement-breakpoint
CREATE TRIGGER `messages_fts_insert` AFTER INSERT ON `messages` WHEN new.deleted_at IS NULL BEGIN
  INSERT INTO messages_fts(rowid, text, conversation_id) VALUES (new.seq, new.text, new.conversation_id);
END;
--> statement-breakpoint
CREATE TRIGGER `messages_fts_update` AFTER UPDATE OF text, deleted_at ON `messages` BEGIN
  INSERT INTO messages_fts(messages_fts, rowid, text, conversation_id) SELECT 'delete', old.seq, old.text, old.conversation_id WHERE old.deleted_at IS NULL;
  INSERT INTO messages_fts(rowid, text, conversation_id) SELECT new.seq, new.text, new.conversation_id WHERE new.deleted_at IS NULL;
END;
--> statement-breakpoint
CREATE TRIGGER `messages_fts_delete` AFTER DELETE ON `messages` WHEN old.deleted_at IS NULL BEGIN
  INSERT INTO messages_fts(messages_fts, rowid, text, conversation_id) VALUES ('delete', old.seq, old.text, old.conversation_id);
END;
--> statement-breakpoint
INSERT INTO messages_fts(rowid, text, conversation_id) SELECT seq, text, conversation_id FROM messages WHERE deleted_at IS NULL;
--> statement-breakpoint
-- People search (search/people.ts): trigram FTS5 over usernames and display names, for substring and
-- typo-tolerant matching. A copy keyed by user id (users has no stable integer rowid to point at).
CREATE VIRTUAL TABLE `users_fts` USING fts5(user_id UNINDEXED, username, display_name, tokenize='trigram remove_diacritics 1');
--> statement-breakpoint
CREATE TRIGGER `users_fts_insert` AFTER INSERT ON `users` BEGIN
  INSERT INTO users_fts(user_id, username, display_name) VALUES (new.id, new.username, new.display_name);
END;
--> statement-breakpoint
CREATE TRIGGER `users_fts_update` AFTER UPDATE OF username, display_name ON `users` BEGIN
  DELETE FROM users_fts WHERE user_id = old.id;
  INSERT INTO users_fts(user_id, username, display_name) VALUES (new.id, new.username, new.display_name);
END;
--> statement-breakpoint
CREATE TRIGGER `users_fts_delete` AFTER DELETE ON `users` BEGIN
  DELETE FROM users_fts WHERE user_id = old.id;
END;
--> statement-breakpoint
INSERT INTO users_fts(user_id, username, display_name) SELECT id, username, display_name FROM users;
