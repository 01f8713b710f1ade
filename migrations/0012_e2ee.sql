CREATE TABLE `devices` (
	`id` text PRIMARY KEY NOT NULL,
	`user_id` text NOT NULL,
	`name` text NOT NULL,
	`signature_key` text NOT NULL,
	`created_at` integer NOT NULL,
	`removed_at` integer,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `devices_user_idx` ON `devices` (`user_id`);--> statement-breakpoint
CREATE TABLE `group_devices` (
	`conversation_id` text NOT NULL,
	`device_id` text NOT NULL,
	`user_id` text NOT NULL,
	`from_epoch` integer NOT NULL,
	PRIMARY KEY(`conversation_id`, `device_id`),
	FOREIGN KEY (`conversation_id`) REFERENCES `conversations`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`device_id`) REFERENCES `devices`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `group_devices_device_idx` ON `group_devices` (`device_id`);--> statement-breakpoint
CREATE TABLE `mls_handshakes` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`conversation_id` text NOT NULL,
	`epoch` integer NOT NULL,
	`device_id` text NOT NULL,
	`commit` text NOT NULL,
	`welcome` text,
	`added` text DEFAULT '[]' NOT NULL,
	`removed` text DEFAULT '[]' NOT NULL,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`conversation_id`) REFERENCES `conversations`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `mls_handshakes_conversation_idx` ON `mls_handshakes` (`conversation_id`,`id`);--> statement-breakpoint
CREATE TABLE `key_backup_entries` (
	`user_id` text NOT NULL,
	`message_id` text NOT NULL,
	`conversation_id` text NOT NULL,
	`data` text NOT NULL,
	`created_at` integer NOT NULL,
	PRIMARY KEY(`user_id`, `message_id`),
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`conversation_id`) REFERENCES `conversations`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `key_backup_entries_conversation_idx` ON `key_backup_entries` (`user_id`,`conversation_id`);--> statement-breakpoint
CREATE TABLE `key_backups` (
	`user_id` text PRIMARY KEY NOT NULL,
	`check` text NOT NULL,
	`wrapped` text DEFAULT '{}' NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `key_packages` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`device_id` text NOT NULL,
	`data` text NOT NULL,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`device_id`) REFERENCES `devices`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `key_packages_device_idx` ON `key_packages` (`device_id`);--> statement-breakpoint
ALTER TABLE `conversations` ADD `encrypted_at` integer;--> statement-breakpoint
ALTER TABLE `conversations` ADD `mls_epoch` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `events` ADD `handshake_id` integer;--> statement-breakpoint
ALTER TABLE `messages` ADD `ciphertext` text;--> statement-breakpoint
ALTER TABLE `messages` ADD `sender_device` text;