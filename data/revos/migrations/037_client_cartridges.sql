-- Supabase Project: kvjcidxbyimoswntpjcp
-- Migration: 037_client_cartridges
-- Description: Per-user AI "cartridges" (style, voice, brand, instruction)
--   that the content generator loads into its prompt. Each cartridge belongs
--   to the Supabase auth user who created it (user_id -> auth.users), not to a
--   client or agency.
-- Created: 2025-08-04

-- ---------------------------------------------------------------------------
-- style_cartridges: Writing style: tone, formality, emoji usage, sample posts
-- ---------------------------------------------------------------------------
CREATE TABLE style_cartridges (
  id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id UUID REFERENCES auth.users(id) ON DELETE CASCADE,
  name TEXT NOT NULL,
  tone TEXT,
  formality TEXT CHECK (formality IN ('casual', 'professional', 'formal')),
  emoji_usage TEXT DEFAULT 'minimal',
  sample_posts TEXT[] DEFAULT '{}',
  style_guide JSONB DEFAULT '{}',
  is_default BOOLEAN DEFAULT false,
  created_at TIMESTAMPTZ DEFAULT now(),
  updated_at TIMESTAMPTZ DEFAULT now()
);

-- ---------------------------------------------------------------------------
-- voice_cartridges: Voice/persona used for DMs and comments
-- ---------------------------------------------------------------------------
CREATE TABLE voice_cartridges (
  id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id UUID REFERENCES auth.users(id) ON DELETE CASCADE,
  name TEXT NOT NULL,
  persona TEXT,
  vocabulary JSONB DEFAULT '{}',
  banned_phrases TEXT[] DEFAULT '{}',
  sample_messages TEXT[] DEFAULT '{}',
  is_default BOOLEAN DEFAULT false,
  created_at TIMESTAMPTZ DEFAULT now(),
  updated_at TIMESTAMPTZ DEFAULT now()
);

-- ---------------------------------------------------------------------------
-- brand_cartridges: Brand facts the AI may use: company, value props, colours
-- ---------------------------------------------------------------------------
CREATE TABLE brand_cartridges (
  id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id UUID REFERENCES auth.users(id) ON DELETE CASCADE,
  name TEXT NOT NULL,
  company_name TEXT,
  tagline TEXT,
  value_propositions TEXT[] DEFAULT '{}',
  target_audience TEXT,
  brand_colors JSONB DEFAULT '{}',
  logo_url TEXT,
  is_default BOOLEAN DEFAULT false,
  created_at TIMESTAMPTZ DEFAULT now(),
  updated_at TIMESTAMPTZ DEFAULT now()
);

-- ---------------------------------------------------------------------------
-- instruction_cartridges: Free-form standing instructions for the AI (e.g. uploaded SOPs)
-- ---------------------------------------------------------------------------
CREATE TABLE instruction_cartridges (
  id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id UUID REFERENCES auth.users(id) ON DELETE CASCADE,
  name TEXT NOT NULL,
  instructions TEXT NOT NULL,
  source_documents JSONB DEFAULT '[]',
  priority INTEGER DEFAULT 0,
  is_default BOOLEAN DEFAULT false,
  created_at TIMESTAMPTZ DEFAULT now(),
  updated_at TIMESTAMPTZ DEFAULT now()
);

-- ---------------------------------------------------------------------------
-- Indexes
-- ---------------------------------------------------------------------------
CREATE INDEX IF NOT EXISTS idx_style_cartridges_user_id ON style_cartridges(user_id);
CREATE INDEX IF NOT EXISTS idx_voice_cartridges_user_id ON voice_cartridges(user_id);
CREATE INDEX IF NOT EXISTS idx_brand_cartridges_user_id ON brand_cartridges(user_id);

-- ---------------------------------------------------------------------------
-- Row Level Security: a cartridge is visible to its owner only
-- ---------------------------------------------------------------------------
ALTER TABLE style_cartridges ENABLE ROW LEVEL SECURITY;
ALTER TABLE voice_cartridges ENABLE ROW LEVEL SECURITY;
ALTER TABLE brand_cartridges ENABLE ROW LEVEL SECURITY;
ALTER TABLE instruction_cartridges ENABLE ROW LEVEL SECURITY;

CREATE POLICY "Users can view own style cartridges"
  ON style_cartridges FOR SELECT
  USING (auth.uid() = user_id);

CREATE POLICY "Users can insert own style cartridges"
  ON style_cartridges FOR INSERT
  WITH CHECK (auth.uid() = user_id);

CREATE POLICY "Users can update own style cartridges"
  ON style_cartridges FOR UPDATE
  USING (auth.uid() = user_id)
  WITH CHECK (auth.uid() = user_id);

CREATE POLICY "Users can delete own style cartridges"
  ON style_cartridges FOR DELETE
  USING (auth.uid() = user_id);

CREATE POLICY "Users can view own voice cartridges"
  ON voice_cartridges FOR SELECT
  USING (auth.uid() = user_id);

CREATE POLICY "Users can insert own voice cartridges"
  ON voice_cartridges FOR INSERT
  WITH CHECK (auth.uid() = user_id);

CREATE POLICY "Users can update own voice cartridges"
  ON voice_cartridges FOR UPDATE
  USING (auth.uid() = user_id)
  WITH CHECK (auth.uid() = user_id);

CREATE POLICY "Users can delete own voice cartridges"
  ON voice_cartridges FOR DELETE
  USING (auth.uid() = user_id);

CREATE POLICY "Users can view own brand cartridges"
  ON brand_cartridges FOR SELECT
  USING (auth.uid() = user_id);

CREATE POLICY "Users can insert own brand cartridges"
  ON brand_cartridges FOR INSERT
  WITH CHECK (auth.uid() = user_id);

CREATE POLICY "Users can update own brand cartridges"
  ON brand_cartridges FOR UPDATE
  USING (auth.uid() = user_id)
  WITH CHECK (auth.uid() = user_id);

CREATE POLICY "Users can delete own brand cartridges"
  ON brand_cartridges FOR DELETE
  USING (auth.uid() = user_id);

CREATE POLICY "Users can view own instruction cartridges"
  ON instruction_cartridges FOR SELECT
  USING (auth.uid() = user_id);

CREATE POLICY "Users can insert own instruction cartridges"
  ON instruction_cartridges FOR INSERT
  WITH CHECK (auth.uid() = user_id);

CREATE POLICY "Users can update own instruction cartridges"
  ON instruction_cartridges FOR UPDATE
  USING (auth.uid() = user_id)
  WITH CHECK (auth.uid() = user_id);

CREATE POLICY "Users can delete own instruction cartridges"
  ON instruction_cartridges FOR DELETE
  USING (auth.uid() = user_id);

COMMENT ON TABLE style_cartridges IS 'AI writing-style cartridge, owned by one auth user.';
COMMENT ON TABLE voice_cartridges IS 'AI voice/persona cartridge, owned by one auth user.';
COMMENT ON TABLE brand_cartridges IS 'AI brand cartridge, owned by one auth user.';
COMMENT ON TABLE instruction_cartridges IS 'AI instruction cartridge, owned by one auth user.';

GRANT SELECT, INSERT, UPDATE, DELETE
  ON style_cartridges, voice_cartridges, brand_cartridges, instruction_cartridges
  TO authenticated;
