CREATE TABLE "service_records" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"vote_id" uuid NOT NULL,
	"party" text NOT NULL,
	"channel" text NOT NULL,
	"served_at" timestamp with time zone NOT NULL,
	"proof_sha256" text,
	"recorded_by" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "service_records_channel" CHECK ("service_records"."channel" in ('hand','mail','posting','online'))
);
--> statement-breakpoint
ALTER TABLE "service_records" ADD CONSTRAINT "service_records_vote_id_votes_id_fk" FOREIGN KEY ("vote_id") REFERENCES "public"."votes"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "service_records" ADD CONSTRAINT "service_records_recorded_by_users_id_fk" FOREIGN KEY ("recorded_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "service_records_vote" ON "service_records" USING btree ("vote_id","party");