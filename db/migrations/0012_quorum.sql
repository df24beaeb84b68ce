CREATE TABLE "ballot_letters" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"vote_id" uuid NOT NULL,
	"party" text NOT NULL,
	"kind" text NOT NULL,
	"code_hash" text NOT NULL,
	"proxy_id" uuid,
	"user_id" uuid,
	"issued_by" uuid,
	"issued_at" timestamp with time zone NOT NULL,
	"used_at" timestamp with time zone,
	"revoked_at" timestamp with time zone,
	CONSTRAINT "ballot_letters_kind" CHECK ("ballot_letters"."kind" in ('letter','proxy'))
);
--> statement-breakpoint
CREATE TABLE "outreach_assignments" (
	"vote_id" uuid NOT NULL,
	"party" text NOT NULL,
	"assignee_id" uuid NOT NULL,
	"assigned_by" uuid,
	"contacted_at" timestamp with time zone,
	"note" text DEFAULT '' NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "outreach_assignments_vote_id_party_pk" PRIMARY KEY("vote_id","party")
);
--> statement-breakpoint
CREATE TABLE "proxies" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"vote_id" uuid NOT NULL,
	"party" text NOT NULL,
	"holder_hash" text NOT NULL,
	"holder_ref" text NOT NULL,
	"authorization_sha256" text NOT NULL,
	"seq" integer NOT NULL,
	"recorded_by" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "reminder_opt_outs" (
	"phone_hash" text PRIMARY KEY NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "reminders_sent" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"vote_id" uuid NOT NULL,
	"party" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "vote_extensions" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"vote_id" uuid NOT NULL,
	"previous_closes_at" timestamp with time zone NOT NULL,
	"closes_at" timestamp with time zone NOT NULL,
	"reason" text NOT NULL,
	"seq" integer NOT NULL,
	"created_by" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "role_grants" DROP CONSTRAINT "role_grants_role";--> statement-breakpoint
ALTER TABLE "paper_entries" ADD COLUMN "proxy" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "votes" ADD COLUMN "occupied_parts" jsonb;--> statement-breakpoint
ALTER TABLE "votes" ADD COLUMN "cost_plan" jsonb;--> statement-breakpoint
ALTER TABLE "votes" ADD COLUMN "consent" jsonb;--> statement-breakpoint
ALTER TABLE "ballot_letters" ADD CONSTRAINT "ballot_letters_vote_id_votes_id_fk" FOREIGN KEY ("vote_id") REFERENCES "public"."votes"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "ballot_letters" ADD CONSTRAINT "ballot_letters_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "ballot_letters" ADD CONSTRAINT "ballot_letters_issued_by_users_id_fk" FOREIGN KEY ("issued_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "outreach_assignments" ADD CONSTRAINT "outreach_assignments_vote_id_votes_id_fk" FOREIGN KEY ("vote_id") REFERENCES "public"."votes"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "outreach_assignments" ADD CONSTRAINT "outreach_assignments_assignee_id_users_id_fk" FOREIGN KEY ("assignee_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "outreach_assignments" ADD CONSTRAINT "outreach_assignments_assigned_by_users_id_fk" FOREIGN KEY ("assigned_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "proxies" ADD CONSTRAINT "proxies_vote_id_votes_id_fk" FOREIGN KEY ("vote_id") REFERENCES "public"."votes"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "proxies" ADD CONSTRAINT "proxies_recorded_by_users_id_fk" FOREIGN KEY ("recorded_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "reminders_sent" ADD CONSTRAINT "reminders_sent_vote_id_votes_id_fk" FOREIGN KEY ("vote_id") REFERENCES "public"."votes"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "vote_extensions" ADD CONSTRAINT "vote_extensions_vote_id_votes_id_fk" FOREIGN KEY ("vote_id") REFERENCES "public"."votes"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "vote_extensions" ADD CONSTRAINT "vote_extensions_created_by_users_id_fk" FOREIGN KEY ("created_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "ballot_letters_code" ON "ballot_letters" USING btree ("code_hash");--> statement-breakpoint
CREATE INDEX "ballot_letters_vote" ON "ballot_letters" USING btree ("vote_id","party");--> statement-breakpoint
CREATE INDEX "ballot_letters_user" ON "ballot_letters" USING btree ("user_id");--> statement-breakpoint
CREATE INDEX "outreach_assignee" ON "outreach_assignments" USING btree ("vote_id","assignee_id");--> statement-breakpoint
CREATE UNIQUE INDEX "proxies_party" ON "proxies" USING btree ("vote_id","party");--> statement-breakpoint
CREATE INDEX "proxies_holder" ON "proxies" USING btree ("vote_id","holder_hash");--> statement-breakpoint
CREATE INDEX "reminders_sent_vote" ON "reminders_sent" USING btree ("vote_id","party","created_at");--> statement-breakpoint
ALTER TABLE "role_grants" ADD CONSTRAINT "role_grants_role" CHECK ("role_grants"."role" in ('organizer','clerk','chair','council_member','auditor','owner','resident','volunteer'));