CREATE TABLE "ballots" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"vote_id" uuid NOT NULL,
	"matter_id" uuid NOT NULL,
	"party" text NOT NULL,
	"seq" integer NOT NULL,
	"channel" text NOT NULL,
	"choice" text NOT NULL,
	"salt" text,
	"status" text NOT NULL,
	"reason" text,
	"user_id" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "ballots_status" CHECK ("ballots"."status" in ('accepted','rejected','superseded')),
	CONSTRAINT "ballots_channel" CHECK ("ballots"."channel" in ('online','paper','proxy'))
);
--> statement-breakpoint
CREATE TABLE "electorate_snapshots" (
	"vote_id" uuid PRIMARY KEY NOT NULL,
	"merge" text NOT NULL,
	"parties" integer NOT NULL,
	"area_cents" bigint NOT NULL,
	"roster" jsonb NOT NULL,
	"roster_sha256" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "ledger_entries" (
	"vote_id" uuid NOT NULL,
	"seq" integer NOT NULL,
	"type" text NOT NULL,
	"body" text NOT NULL,
	"leaf" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "ledger_entries_vote_id_seq_pk" PRIMARY KEY("vote_id","seq"),
	CONSTRAINT "ledger_seq_nonneg" CHECK ("ledger_entries"."seq" >= 0)
);
--> statement-breakpoint
CREATE TABLE "vote_matters" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"vote_id" uuid NOT NULL,
	"position" integer NOT NULL,
	"key" text NOT NULL,
	"title" text NOT NULL,
	"description" text DEFAULT '' NOT NULL,
	"category" text NOT NULL,
	"kind" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "vote_matters_kind" CHECK ("vote_matters"."kind" in ('yes_no','options')),
	CONSTRAINT "vote_matters_category" CHECK ("vote_matters"."category" in ('1','2','3','4','5','6','7','8','9','consultation'))
);
--> statement-breakpoint
CREATE TABLE "vote_options" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"matter_id" uuid NOT NULL,
	"position" integer NOT NULL,
	"key" text NOT NULL,
	"name" text NOT NULL,
	"color_hex" text,
	"color_code" text,
	"picture_url" text
);
--> statement-breakpoint
CREATE TABLE "votes" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"estate_id" uuid NOT NULL,
	"title" text NOT NULL,
	"description" text DEFAULT '' NOT NULL,
	"scope" jsonb,
	"rules" jsonb NOT NULL,
	"status" text DEFAULT 'draft' NOT NULL,
	"notice_date" date,
	"opens_at" timestamp with time zone NOT NULL,
	"closes_at" timestamp with time zone NOT NULL,
	"noticed_at" timestamp with time zone,
	"closed_at" timestamp with time zone,
	"close_reason" text,
	"objection_ends_at" timestamp with time zone,
	"finalized_at" timestamp with time zone,
	"log_origin" text,
	"manifest" text,
	"result" jsonb,
	"created_by" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "votes_status" CHECK ("votes"."status" in ('draft','noticed','closed','preliminary','final')),
	CONSTRAINT "votes_window" CHECK ("votes"."closes_at" > "votes"."opens_at")
);
--> statement-breakpoint
ALTER TABLE "ballots" ADD CONSTRAINT "ballots_vote_id_votes_id_fk" FOREIGN KEY ("vote_id") REFERENCES "public"."votes"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "ballots" ADD CONSTRAINT "ballots_matter_id_vote_matters_id_fk" FOREIGN KEY ("matter_id") REFERENCES "public"."vote_matters"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "ballots" ADD CONSTRAINT "ballots_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "electorate_snapshots" ADD CONSTRAINT "electorate_snapshots_vote_id_votes_id_fk" FOREIGN KEY ("vote_id") REFERENCES "public"."votes"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "ledger_entries" ADD CONSTRAINT "ledger_entries_vote_id_votes_id_fk" FOREIGN KEY ("vote_id") REFERENCES "public"."votes"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "vote_matters" ADD CONSTRAINT "vote_matters_vote_id_votes_id_fk" FOREIGN KEY ("vote_id") REFERENCES "public"."votes"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "vote_options" ADD CONSTRAINT "vote_options_matter_id_vote_matters_id_fk" FOREIGN KEY ("matter_id") REFERENCES "public"."vote_matters"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "votes" ADD CONSTRAINT "votes_estate_id_estates_id_fk" FOREIGN KEY ("estate_id") REFERENCES "public"."estates"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "votes" ADD CONSTRAINT "votes_created_by_users_id_fk" FOREIGN KEY ("created_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "ballots_one_accepted" ON "ballots" USING btree ("vote_id","matter_id","party") WHERE "ballots"."status" = 'accepted';--> statement-breakpoint
CREATE INDEX "ballots_vote" ON "ballots" USING btree ("vote_id","seq");--> statement-breakpoint
CREATE UNIQUE INDEX "vote_matters_key" ON "vote_matters" USING btree ("vote_id","key");--> statement-breakpoint
CREATE UNIQUE INDEX "vote_options_key" ON "vote_options" USING btree ("matter_id","key");--> statement-breakpoint
CREATE INDEX "votes_estate" ON "votes" USING btree ("estate_id");