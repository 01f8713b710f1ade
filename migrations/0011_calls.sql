CREATE TABLE `call_log` (
	`id` text PRIMARY KEY NOT NULL,
	`conversation_id` text NOT NULL,
	`media` text NOT NULL,
	`started_by` text,
	`started_at` integer NOT NULL,
	`ended_at` integer NOT NULL,
	`answered` integer NOT NULL,
	`participants` integer NOT NULL,
	FOREIGN KEY (`conversation_id`) REFERENCES `conversations`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
ALTER TABLE `events` ADD `call_id` text;