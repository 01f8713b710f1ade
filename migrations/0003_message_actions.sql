CREATE TABLE `mentions` (
	`message_id` text NOT NULL,
	`conversation_id` text NOT NULL,
	`user_id` text,
	`everyone` integer DEFAULT false NOT NULL,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`conversation_id`) REFERENCES `conversations`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `mentions_message_idx` ON `mentions` (`message_id`);--> statement-breakpoint
CREATE INDEX `mentions_user_idx` ON `mentions` (`user_id`,`created_at`);--> statement-breakpoint
CREATE INDEX `mentions_everyone_idx` ON `mentions` (`conversation_id`,`everyone`);--> statement-breakpoint
CREATE TABLE `message_versions` (
	`message_id` text NOT NULL,
	`text` text NOT NULL,
	`replaced_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `message_versions_message_idx` ON `message_versions` (`message_id`,`replaced_at`);--> statement-breakpoint
CREATE TABLE `pins` (
	`conversation_id` text NOT NULL,
	`message_id` text NOT NULL,
	`pinned_by` text,
	`pinned_at` integer NOT NULL,
	PRIMARY KEY(`conversation_id`, `message_id`),
	FOREIGN KEY (`conversation_id`) REFERENCES `conversations`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`pinned_by`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE set null
);
--> statement-breakpoint
CREATE TABLE `reactions` (
	`message_id` text NOT NULL,
	`user_id` text NOT NULL,
	`emoji` text NOT NULL,
	`created_at` integer NOT NULL,
	PRIMARY KEY(`message_id`, `user_id`, `emoji`),
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
ALTER TABLE `messages` ADD `forwarded_from_id` text;--> statement-breakpoint
ALTER TABLE `messages` ADD `forwarded_from_sender_id` text;