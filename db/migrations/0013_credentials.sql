CREATE TABLE "objections" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"vote_id" uuid NOT NULL,
	"party" text NOT NULL,
	"user_id" uuid NOT NULL,
	"text" text NOT NULL,
	"seq" integer NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "owner_alerts" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"vote_id" uuid NOT NULL,
	"party" text NOT NULL,
	"event" text NOT NULL,
	"detail" text NOT NULL,
	"seq" integer,
	"dispatched_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "owner_alerts_event" CHECK ("owner_alerts"."event" in ('credential_created','credential_used','ballot_cast'))
);
--> statement-breakpoint
CREATE TABLE "person_bindings" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"person_id" uuid NOT NULL,
	"user_id" uuid NOT NULL,
	"via" text NOT NULL,
	"invite_id" uuid,
	"issuer_id" uuid,
	"revoked_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "person_bindings_via" CHECK ("person_bindings"."via" in ('invite','phone','certificate','legacy'))
);
--> statement-breakpoint
CREATE TABLE "quiet_rejections" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"vote_id" uuid NOT NULL,
	"party" text NOT NULL,
	"matter" text NOT NULL,
	"channel" text NOT NULL,
	"reason" text NOT NULL,
	"nonce" text NOT NULL,
	"user_id" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "vote_credentials" (
	"vote_id" uuid NOT NULL,
	"seq" integer NOT NULL,
	"kind" text NOT NULL,
	"party" text,
	"holder_id" uuid,
	"binding_id" uuid,
	"invite_id" uuid,
	"letter_id" uuid,
	"issuer" text NOT NULL,
	"issuer_id" uuid,
	"at_notice" boolean DEFAULT false NOT NULL,
	"issued_at" timestamp with time zone NOT NULL,
	"revoked_at" timestamp with time zone,
	"revoked_seq" integer,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "vote_credentials_vote_id_seq_pk" PRIMARY KEY("vote_id","seq"),
	CONSTRAINT "vote_credentials_kind" CHECK ("vote_credentials"."kind" in ('invite','phone_binding','certificate_binding','letter','letter_reissue','proxy','clerk','auditor'))
);
--> statement-breakpoint
ALTER TABLE "role_grants" ADD COLUMN "granted_by" uuid;--> statement-breakpoint
ALTER TABLE "paper_entries" ADD COLUMN "flag" text;--> statement-breakpoint
ALTER TABLE "votes" ADD COLUMN "noticed_by" uuid;--> statement-breakpoint
ALTER TABLE "objections" ADD CONSTRAINT "objections_vote_id_votes_id_fk" FOREIGN KEY ("vote_id") REFERENCES "public"."votes"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "objections" ADD CONSTRAINT "objections_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "owner_alerts" ADD CONSTRAINT "owner_alerts_vote_id_votes_id_fk" FOREIGN KEY ("vote_id") REFERENCES "public"."votes"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "person_bindings" ADD CONSTRAINT "person_bindings_person_id_persons_id_fk" FOREIGN KEY ("person_id") REFERENCES "public"."persons"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "person_bindings" ADD CONSTRAINT "person_bindings_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "person_bindings" ADD CONSTRAINT "person_bindings_invite_id_invites_id_fk" FOREIGN KEY ("invite_id") REFERENCES "public"."invites"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "person_bindings" ADD CONSTRAINT "person_bindings_issuer_id_users_id_fk" FOREIGN KEY ("issuer_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "quiet_rejections" ADD CONSTRAINT "quiet_rejections_vote_id_votes_id_fk" FOREIGN KEY ("vote_id") REFERENCES "public"."votes"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "quiet_rejections" ADD CONSTRAINT "quiet_rejections_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "vote_credentials" ADD CONSTRAINT "vote_credentials_vote_id_votes_id_fk" FOREIGN KEY ("vote_id") REFERENCES "public"."votes"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "vote_credentials" ADD CONSTRAINT "vote_credentials_holder_id_users_id_fk" FOREIGN KEY ("holder_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "vote_credentials" ADD CONSTRAINT "vote_credentials_binding_id_person_bindings_id_fk" FOREIGN KEY ("binding_id") REFERENCES "public"."person_bindings"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "vote_credentials" ADD CONSTRAINT "vote_credentials_invite_id_invites_id_fk" FOREIGN KEY ("invite_id") REFERENCES "public"."invites"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "vote_credentials" ADD CONSTRAINT "vote_credentials_issuer_id_users_id_fk" FOREIGN KEY ("issuer_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "objections_vote" ON "objections" USING btree ("vote_id","created_at");--> statement-breakpoint
CREATE INDEX "owner_alerts_pending" ON "owner_alerts" USING btree ("created_at") WHERE "owner_alerts"."dispatched_at" is null;--> statement-breakpoint
CREATE INDEX "person_bindings_person" ON "person_bindings" USING btree ("person_id");--> statement-breakpoint
CREATE INDEX "person_bindings_user" ON "person_bindings" USING btree ("user_id");--> statement-breakpoint
CREATE INDEX "quiet_rejections_vote" ON "quiet_rejections" USING btree ("vote_id","party");--> statement-breakpoint
CREATE INDEX "vote_credentials_holder" ON "vote_credentials" USING btree ("vote_id","holder_id");--> statement-breakpoint
CREATE INDEX "vote_credentials_party" ON "vote_credentials" USING btree ("vote_id","party");--> statement-breakpoint
CREATE INDEX "vote_credentials_invite" ON "vote_credentials" USING btree ("invite_id");--> statement-breakpoint
CREATE INDEX "vote_credentials_letter" ON "vote_credentials" USING btree ("letter_id");--> statement-breakpoint
ALTER TABLE "role_grants" ADD CONSTRAINT "role_grants_granted_by_users_id_fk" FOREIGN KEY ("granted_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "votes" ADD CONSTRAINT "votes_noticed_by_users_id_fk" FOREIGN KEY ("noticed_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
-- Accounts bound before bindings were recorded: one legacy binding each, issuer unknown.
INSERT INTO "person_bindings" ("person_id", "user_id", "via", "created_at") SELECT "id", "user_id", 'legacy', "created_at" FROM "persons" WHERE "user_id" IS NOT NULL;
