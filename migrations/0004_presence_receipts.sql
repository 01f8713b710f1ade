ALTER TABLE `members` ADD `last_delivered_seq` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `members` ADD `muted_until` integer;--> statement-breakpoint
ALTER TABLE `members` ADD `marked_unread` integer DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE `users` ADD `last_seen_at` integer;--> statement-breakpoint
ALTER TABLE `users` ADD `hide_last_seen` integer DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE `users` ADD `send_read_receipts` integer DEFAULT true NOT NULL;