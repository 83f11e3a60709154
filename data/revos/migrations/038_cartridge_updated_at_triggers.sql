-- Migration: 038_cartridge_updated_at_triggers
-- Description: 037 forgot the updated_at triggers on the cartridge tables.
-- Created: 2025-08-06

CREATE TRIGGER update_style_cartridges_updated_at
  BEFORE UPDATE ON style_cartridges
  FOR EACH ROW EXECUTE FUNCTION update_updated_at_column();

CREATE TRIGGER update_voice_cartridges_updated_at
  BEFORE UPDATE ON voice_cartridges
  FOR EACH ROW EXECUTE FUNCTION update_updated_at_column();

CREATE TRIGGER update_brand_cartridges_updated_at
  BEFORE UPDATE ON brand_cartridges
  FOR EACH ROW EXECUTE FUNCTION update_updated_at_column();

CREATE TRIGGER update_instruction_cartridges_updated_at
  BEFORE UPDATE ON instruction_cartridges
  FOR EACH ROW EXECUTE FUNCTION update_updated_at_column();
