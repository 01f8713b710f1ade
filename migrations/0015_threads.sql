CREATE TABLE `thread_follows` (
	`root_id` text NOT NULL,
	`user_id` text NOT NULL,
	`conversation_id` text NOT NULL,
	`last_read_seq` integer DEFAULT 0 NOT NULL,
	`muted` integer DEFAULT false NOT NULL,
	PRIMARY KEY(`root_id`, `user_id`),
	FOREIGN KEY (`root_id`) REFERENCES `messages`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`conversation_id`) REFERENCES `conversations`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `thread_follows_user_conversation_idx` ON `thread_follows` (`user_id`,`conversation_id`);--> statement-breakpoint
ALTER TABLE `messages` ADD `thread_root_id` text;--> statement-breakpoint
CREATE INDEX `messages_thread_seq_idx` ON `messages` (`thread_root_id`,`seq`) WHERE "messages"."thread_root_id" IS NOT NULL;