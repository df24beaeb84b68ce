CREATE TABLE "message_deliveries" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"purpose" text NOT NULL,
	"phone_hash" text NOT NULL,
	"status" text DEFAULT 'queued' NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"last_error" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"sent_at" timestamp with time zone,
	CONSTRAINT "message_deliveries_status" CHECK ("message_deliveries"."status" in ('queued','sent','failed')),
	CONSTRAINT "message_deliveries_purpose" CHECK ("message_deliveries"."purpose" in ('otp','notice','reminder'))
);
--> statement-breakpoint
CREATE INDEX "message_deliveries_phone" ON "message_deliveries" USING btree ("phone_hash","created_at");--> statement-breakpoint
CREATE INDEX "message_deliveries_status" ON "message_deliveries" USING btree ("status","created_at");