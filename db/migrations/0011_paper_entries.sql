CREATE TABLE "paper_entries" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"vote_id" uuid NOT NULL,
	"party" text NOT NULL,
	"part_id" text NOT NULL,
	"choices" jsonb NOT NULL,
	"scan_sha256" text NOT NULL,
	"received_at" timestamp with time zone NOT NULL,
	"clerk_id" uuid NOT NULL,
	"status" text DEFAULT 'pending' NOT NULL,
	"pair_id" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "paper_entries_status" CHECK ("paper_entries"."status" in ('pending','matched','mismatch'))
);
--> statement-breakpoint
ALTER TABLE "paper_entries" ADD CONSTRAINT "paper_entries_vote_id_votes_id_fk" FOREIGN KEY ("vote_id") REFERENCES "public"."votes"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "paper_entries" ADD CONSTRAINT "paper_entries_clerk_id_users_id_fk" FOREIGN KEY ("clerk_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "paper_entries_vote" ON "paper_entries" USING btree ("vote_id","party","status");