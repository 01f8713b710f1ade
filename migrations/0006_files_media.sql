DROP INDEX `attachments_sha_idx`;--> statement-breakpoint
ALTER TABLE `attachments` ADD `storage_key` text;--> statement-breakpoint
ALTER TABLE `attachments` ADD `status` text DEFAULT 'ready' NOT NULL;--> statement-breakpoint
ALTER TABLE `attachments` ADD `width` integer;--> statement-breakpoint
ALTER TABLE `attachments` ADD `height` integer;--> statement-breakpoint
ALTER TABLE `attachments` ADD `thumb_key` text;--> statement-breakpoint
ALTER TABLE `attachments` ADD `upload_token_hash` text;--> statement-breakpoint
ALTER TABLE `attachments` ADD `upload_expires_at` integer;--> statement-breakpoint
CREATE INDEX `attachments_key_idx` ON `attachments` (`storage_key`);--> statement-breakpoint
ALTER TABLE `conversations` ADD `avatar_key` text;--> statement-breakpoint
ALTER TABLE `users` ADD `avatar_key` text;--> statement-breakpoint
-- Files stored before this version are on local disk under their hash, which is their key.
UPDATE `attachments` SET `storage_key` = `sha256`;