ALTER TABLE `users` ADD `time_zone` text;--> statement-breakpoint
ALTER TABLE `users` ADD `share_local_time` integer DEFAULT true NOT NULL;