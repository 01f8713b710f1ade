-- The words in message search's index, for "did you mean" (search/did-you-mean.ts): FTS5's own view of its
-- vocabulary, nothing stored twice. A suggestion is only made once the corrected search finds something in
-- the asker's own conversations, so no one learns a word of a conversation they are not in.
CREATE VIRTUAL TABLE `messages_fts_vocab` USING fts5vocab(`messages_fts`, 'row');
