-- The public booking page's look and embedding, per tenant: brand colour, logo URL and the origins allowed to frame
-- the page (Content-Security-Policy frame-ancestors). Empty object: the defaults (no branding, no framing by others).
ALTER TABLE "tenants" ADD COLUMN IF NOT EXISTS "booking_page" jsonb DEFAULT '{}'::jsonb NOT NULL;
