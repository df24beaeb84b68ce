ALTER TABLE "ballots" ADD COLUMN "nonce" text DEFAULT '' NOT NULL;--> statement-breakpoint
CREATE INDEX "ballots_nonce" ON "ballots" USING btree ("vote_id","nonce");