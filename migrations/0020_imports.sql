ALTER TABLE `conversations` ADD `imported_from` text;--> statement-breakpoint
CREATE UNIQUE INDEX `conversations_imported_from_unique` ON `conversations` (`imported_from`);--> statement-breakpoint
ALTER TABLE `users` ADD `imported_from` text;--> statement-breakpoint
CREATE UNIQUE INDEX `users_imported_from_unique` ON `users` (`imported_from`);