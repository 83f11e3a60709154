-- RevOS sample data
-- Run after all migrations, as a superuser (or the table owner), so RLS is not
-- in the way. Every id is a fixed, readable literal UUID:
--   agencies a0000000-…, clients c0000000-…, users d0000000-…,
--   auth-only users da000000-…, campaigns ca000000-…, leads e0000000-…,
--   linkedin accounts b0000000-…, posts bb000000-…,
--   cartridges f1000000-… (style), f2… (voice), f3… (brand), f4… (instruction).
--
-- Counts:
--   agencies                3
--   clients                 5   (agency 1: 2, agency 2: 2, agency 3: 1)
--   users (public)          9   (client 1: 2, client 2: 1, client 3: 2, client 4: 1, client 5: 3)
--   auth.users              8
--     matching              6   users whose public.users.id has an auth.users row with the same id
--                               (d…01, d…02, d…04, d…05, d…07, d…08)
--     public only           3   users with no auth.users row (d…03, d…06, d…09: invited, never signed up)
--     auth only             2   auth.users rows with no public.users row (da…01, da…02: signed up,
--                               profile row never created: the manual-sync gap)
--   campaigns               4
--   leads                   8
--   linkedin_accounts       3
--   posts                   2
--   style_cartridges        4
--   voice_cartridges        3
--   brand_cartridges        3
--   instruction_cartridges  2   (12 cartridges in all)
--   unmappable cartridges   2   (style f1…04 owned by da…01, voice f2…03 owned by da…02: their
--                               owners have no public.users row, so no client and no agency)
--   cartridges per agency when mapped user -> client -> agency:
--                               agency 1: 4, agency 2: 3, agency 3: 3

-- ---------------------------------------------------------------------------
-- Tenants
-- ---------------------------------------------------------------------------
INSERT INTO agencies (id, name, slug, settings) VALUES
  ('a0000000-0000-0000-0000-000000000001', 'Growth Forge', 'growth-forge', '{"plan": "agency_pro"}'),
  ('a0000000-0000-0000-0000-000000000002', 'Pipeline Partners', 'pipeline-partners', '{"plan": "agency"}'),
  ('a0000000-0000-0000-0000-000000000003', 'Northwind Outreach', 'northwind-outreach', '{}');

INSERT INTO clients (id, agency_id, name, website, industry) VALUES
  ('c0000000-0000-0000-0000-000000000001', 'a0000000-0000-0000-0000-000000000001', 'Acme Robotics', 'https://acme-robotics.example', 'Manufacturing'),
  ('c0000000-0000-0000-0000-000000000002', 'a0000000-0000-0000-0000-000000000001', 'Brightline Health', 'https://brightline.example', 'Healthcare'),
  ('c0000000-0000-0000-0000-000000000003', 'a0000000-0000-0000-0000-000000000002', 'Cobalt Cloud', 'https://cobalt.example', 'SaaS'),
  ('c0000000-0000-0000-0000-000000000004', 'a0000000-0000-0000-0000-000000000002', 'Delta Logistics', 'https://delta-logistics.example', 'Logistics'),
  ('c0000000-0000-0000-0000-000000000005', 'a0000000-0000-0000-0000-000000000003', 'Evergreen Finance', 'https://evergreen.example', 'Financial services');

-- ---------------------------------------------------------------------------
-- Supabase Auth users (6 match a public.users row, 2 do not)
-- ---------------------------------------------------------------------------
INSERT INTO auth.users (id, email, raw_user_meta_data, raw_app_meta_data, created_at) VALUES
  ('d0000000-0000-0000-0000-000000000001', 'maya@growthforge.example', '{"full_name": "Maya Chen"}', '{"provider": "email"}', '2025-03-03 09:00:00+00'),
  ('d0000000-0000-0000-0000-000000000002', 'liam@growthforge.example', '{"full_name": "Liam Ortiz"}', '{"provider": "email"}', '2025-03-04 10:15:00+00'),
  ('d0000000-0000-0000-0000-000000000004', 'priya@pipelinepartners.example', '{"full_name": "Priya Nair"}', '{"provider": "google"}', '2025-03-10 08:30:00+00'),
  ('d0000000-0000-0000-0000-000000000005', 'tom@pipelinepartners.example', '{"full_name": "Tom Becker"}', '{"provider": "email"}', '2025-03-11 14:00:00+00'),
  ('d0000000-0000-0000-0000-000000000007', 'sofia@northwind.example', '{"full_name": "Sofia Rossi"}', '{"provider": "google"}', '2025-04-02 11:45:00+00'),
  ('d0000000-0000-0000-0000-000000000008', 'kenji@northwind.example', '{"full_name": "Kenji Sato"}', '{"provider": "email"}', '2025-04-03 16:20:00+00'),
  -- signed up, but the app never created their public.users row
  ('da000000-0000-0000-0000-000000000001', 'ava@growthforge.example', '{"full_name": "Ava Kim"}', '{"provider": "email"}', '2025-05-19 12:00:00+00'),
  ('da000000-0000-0000-0000-000000000002', 'noah@freelance.example', '{"full_name": "Noah Adams"}', '{"provider": "google"}', '2025-06-21 07:10:00+00');

-- ---------------------------------------------------------------------------
-- Application users (d…03, d…06, d…09 have no auth.users row)
-- ---------------------------------------------------------------------------
INSERT INTO users (id, client_id, email, full_name, role, permissions) VALUES
  ('d0000000-0000-0000-0000-000000000001', 'c0000000-0000-0000-0000-000000000001', 'maya@growthforge.example', 'Maya Chen', 'agency_owner', '["campaigns:write", "billing:manage"]'),
  ('d0000000-0000-0000-0000-000000000002', 'c0000000-0000-0000-0000-000000000001', 'liam@growthforge.example', 'Liam Ortiz', 'team_member', '["campaigns:write"]'),
  ('d0000000-0000-0000-0000-000000000003', 'c0000000-0000-0000-0000-000000000002', 'rachel@brightline.example', 'Rachel Green', 'client_admin', '[]'),
  ('d0000000-0000-0000-0000-000000000004', 'c0000000-0000-0000-0000-000000000003', 'priya@pipelinepartners.example', 'Priya Nair', 'agency_owner', '["campaigns:write", "billing:manage"]'),
  ('d0000000-0000-0000-0000-000000000005', 'c0000000-0000-0000-0000-000000000003', 'tom@pipelinepartners.example', 'Tom Becker', 'team_member', '[]'),
  ('d0000000-0000-0000-0000-000000000006', 'c0000000-0000-0000-0000-000000000004', 'omar@delta-logistics.example', 'Omar Haddad', 'client_admin', '[]'),
  ('d0000000-0000-0000-0000-000000000007', 'c0000000-0000-0000-0000-000000000005', 'sofia@northwind.example', 'Sofia Rossi', 'agency_owner', '["campaigns:write", "billing:manage"]'),
  ('d0000000-0000-0000-0000-000000000008', 'c0000000-0000-0000-0000-000000000005', 'kenji@northwind.example', 'Kenji Sato', 'team_member', '["campaigns:write"]'),
  ('d0000000-0000-0000-0000-000000000009', 'c0000000-0000-0000-0000-000000000005', 'lena@evergreen.example', 'Lena Vogel', 'team_member', '[]');

-- ---------------------------------------------------------------------------
-- Outreach
-- ---------------------------------------------------------------------------
INSERT INTO linkedin_accounts (id, user_id, unipile_account_id, profile_url, display_name) VALUES
  ('b0000000-0000-0000-0000-000000000001', 'd0000000-0000-0000-0000-000000000001', 'unp_acc_7f3a91', 'https://www.linkedin.com/in/maya-chen', 'Maya Chen'),
  ('b0000000-0000-0000-0000-000000000002', 'd0000000-0000-0000-0000-000000000004', 'unp_acc_2c81d0', 'https://www.linkedin.com/in/priya-nair', 'Priya Nair'),
  ('b0000000-0000-0000-0000-000000000003', 'd0000000-0000-0000-0000-000000000007', 'unp_acc_9e44b5', 'https://www.linkedin.com/in/sofia-rossi', 'Sofia Rossi');

INSERT INTO campaigns (id, client_id, created_by, name, status, target_audience, daily_connection_limit) VALUES
  ('ca000000-0000-0000-0000-000000000001', 'c0000000-0000-0000-0000-000000000001', 'd0000000-0000-0000-0000-000000000001', 'Q3 Plant Managers', 'active', '{"titles": ["Plant Manager"], "regions": ["US"]}', 25),
  ('ca000000-0000-0000-0000-000000000002', 'c0000000-0000-0000-0000-000000000001', 'd0000000-0000-0000-0000-000000000002', 'Automation Webinar Follow-up', 'paused', '{}', 20),
  ('ca000000-0000-0000-0000-000000000003', 'c0000000-0000-0000-0000-000000000003', 'd0000000-0000-0000-0000-000000000004', 'CTOs at Series B SaaS', 'active', '{"titles": ["CTO", "VP Engineering"]}', 30),
  ('ca000000-0000-0000-0000-000000000004', 'c0000000-0000-0000-0000-000000000005', 'd0000000-0000-0000-0000-000000000007', 'Wealth Managers UK', 'draft', '{"regions": ["UK"]}', 20);

INSERT INTO posts (id, campaign_id, linkedin_account_id, body, status, published_at) VALUES
  ('bb000000-0000-0000-0000-000000000001', 'ca000000-0000-0000-0000-000000000001', 'b0000000-0000-0000-0000-000000000001', '3 mistakes plant managers make when automating a line. Comment "GUIDE" for the checklist.', 'published', '2025-07-01 13:00:00+00'),
  ('bb000000-0000-0000-0000-000000000002', 'ca000000-0000-0000-0000-000000000003', 'b0000000-0000-0000-0000-000000000002', 'What we learned migrating 40 TB to a new cloud region.', 'published', '2025-07-03 15:30:00+00');

INSERT INTO leads (id, campaign_id, linkedin_url, first_name, last_name, company, title, status, score, source_post_id) VALUES
  ('e0000000-0000-0000-0000-000000000001', 'ca000000-0000-0000-0000-000000000001', 'https://www.linkedin.com/in/jdoe-ops', 'John', 'Doe', 'Midwest Stamping', 'Plant Manager', 'connected', 62, 'bb000000-0000-0000-0000-000000000001'),
  ('e0000000-0000-0000-0000-000000000002', 'ca000000-0000-0000-0000-000000000001', 'https://www.linkedin.com/in/ana-ruiz', 'Ana', 'Ruiz', 'Ruiz Fabrication', 'Operations Director', 'replied', 78, 'bb000000-0000-0000-0000-000000000001'),
  ('e0000000-0000-0000-0000-000000000003', 'ca000000-0000-0000-0000-000000000001', 'https://www.linkedin.com/in/pwalsh', 'Peter', 'Walsh', 'Walsh Castings', 'Plant Manager', 'new', 10, NULL),
  ('e0000000-0000-0000-0000-000000000004', 'ca000000-0000-0000-0000-000000000002', 'https://www.linkedin.com/in/mlee-auto', 'Min', 'Lee', 'AutoLine Systems', 'Engineering Manager', 'contacted', 35, NULL),
  ('e0000000-0000-0000-0000-000000000005', 'ca000000-0000-0000-0000-000000000003', 'https://www.linkedin.com/in/dkowalski', 'Dorota', 'Kowalski', 'Stackly', 'CTO', 'qualified', 91, 'bb000000-0000-0000-0000-000000000002'),
  ('e0000000-0000-0000-0000-000000000006', 'ca000000-0000-0000-0000-000000000003', 'https://www.linkedin.com/in/raj-patel-eng', 'Raj', 'Patel', 'Queuebase', 'VP Engineering', 'connected', 55, NULL),
  ('e0000000-0000-0000-0000-000000000007', 'ca000000-0000-0000-0000-000000000003', 'https://www.linkedin.com/in/hmuller', 'Hanna', 'Muller', 'Datenwerk', 'CTO', 'disqualified', 5, NULL),
  ('e0000000-0000-0000-0000-000000000008', 'ca000000-0000-0000-0000-000000000004', 'https://www.linkedin.com/in/gwright-wealth', 'George', 'Wright', 'Wright & Co', 'Wealth Manager', 'new', 0, NULL);

-- ---------------------------------------------------------------------------
-- Cartridges (user_id -> auth.users)
-- ---------------------------------------------------------------------------
INSERT INTO style_cartridges (id, user_id, name, tone, formality, emoji_usage, is_default) VALUES
  ('f1000000-0000-0000-0000-000000000001', 'd0000000-0000-0000-0000-000000000001', 'Maya - thought leader', 'confident, practical', 'professional', 'none', true),
  ('f1000000-0000-0000-0000-000000000002', 'd0000000-0000-0000-0000-000000000004', 'Priya - technical storyteller', 'curious, data-driven', 'professional', 'minimal', true),
  ('f1000000-0000-0000-0000-000000000003', 'd0000000-0000-0000-0000-000000000007', 'Sofia - friendly expert', 'warm, reassuring', 'casual', 'minimal', true),
  -- owner da…01 has no public.users row: unmappable to a client/agency
  ('f1000000-0000-0000-0000-000000000004', 'da000000-0000-0000-0000-000000000001', 'Ava - punchy hooks', 'bold, witty', 'casual', 'heavy', false);

INSERT INTO voice_cartridges (id, user_id, name, persona, banned_phrases) VALUES
  ('f2000000-0000-0000-0000-000000000001', 'd0000000-0000-0000-0000-000000000002', 'Liam - SDR voice', 'Helpful peer who did the research first', '{"circle back", "synergy"}'),
  ('f2000000-0000-0000-0000-000000000002', 'd0000000-0000-0000-0000-000000000005', 'Tom - founder voice', 'Founder talking to founders', '{"just checking in"}'),
  -- owner da…02 has no public.users row: unmappable to a client/agency
  ('f2000000-0000-0000-0000-000000000003', 'da000000-0000-0000-0000-000000000002', 'Noah - freelance default', 'Plain-spoken consultant', '{}');

INSERT INTO brand_cartridges (id, user_id, name, company_name, tagline, value_propositions) VALUES
  ('f3000000-0000-0000-0000-000000000001', 'd0000000-0000-0000-0000-000000000001', 'Acme Robotics brand', 'Acme Robotics', 'Automation that pays back in a year', '{"12-month ROI", "No line downtime"}'),
  ('f3000000-0000-0000-0000-000000000002', 'd0000000-0000-0000-0000-000000000004', 'Cobalt Cloud brand', 'Cobalt Cloud', 'Infrastructure without the pager', '{"SOC 2", "99.99% uptime"}'),
  ('f3000000-0000-0000-0000-000000000003', 'd0000000-0000-0000-0000-000000000008', 'Evergreen brand', 'Evergreen Finance', 'Wealth planning for the long run', '{"Fee-only", "FCA regulated"}');

INSERT INTO instruction_cartridges (id, user_id, name, instructions, priority) VALUES
  ('f4000000-0000-0000-0000-000000000001', 'd0000000-0000-0000-0000-000000000002', 'Never pitch in the first message', 'Open with a question about their line; no links, no pitch in message 1.', 10),
  ('f4000000-0000-0000-0000-000000000002', 'd0000000-0000-0000-0000-000000000007', 'Compliance footer', 'Every post must end with: "Capital at risk. Not financial advice."', 100);
