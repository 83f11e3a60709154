-- schemalens decision proposed-hierarchy, option B: New tables under `agencies` (straight to the root)
-- up.sql: one transaction; a lock that cannot be had within 5s aborts it.
BEGIN;
SET LOCAL lock_timeout = '5s';

-- create communications (plans/CC1-audienceos-core-tables.md:25, rewritten) (locks: ACCESS EXCLUSIVE on communications, SHARE ROW EXCLUSIVE on agencies)
CREATE TABLE communications (
  id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
  agency_id UUID NOT NULL REFERENCES agencies(id) ON DELETE CASCADE,
  channel TEXT NOT NULL CHECK (channel IN ('email', 'slack', 'linkedin', 'call')),
  subject TEXT,
  body TEXT,
  sender TEXT,
  received_at TIMESTAMPTZ NOT NULL DEFAULT now(),
  created_at TIMESTAMPTZ DEFAULT now()
);

-- index communications (agency_id) (locks: SHARE on communications)
CREATE INDEX idx_communications_agency_id ON public.communications (agency_id);

-- enable row level security on communications (locks: ACCESS EXCLUSIVE on communications)
ALTER TABLE public.communications ENABLE ROW LEVEL SECURITY;

-- policy "Agency members can read communications" (locks: ACCESS EXCLUSIVE on communications, ACCESS SHARE on users, ACCESS SHARE on clients)
CREATE POLICY "Agency members can read communications" ON public.communications
  FOR SELECT TO authenticated
  USING (agency_id IN (SELECT clients.agency_id FROM public.users JOIN public.clients ON clients.id = users.client_id WHERE users.id = auth.uid()));

-- create alerts (plans/CC1-audienceos-core-tables.md:36, rewritten) (locks: ACCESS EXCLUSIVE on alerts, SHARE ROW EXCLUSIVE on agencies)
CREATE TABLE alerts (
  id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
  agency_id UUID NOT NULL REFERENCES agencies(id) ON DELETE CASCADE,
  severity TEXT NOT NULL CHECK (severity IN ('low', 'medium', 'high', 'critical')),
  title TEXT NOT NULL,
  details JSONB DEFAULT '{}',
  resolved_at TIMESTAMPTZ,
  created_at TIMESTAMPTZ DEFAULT now()
);

-- index alerts (agency_id) (locks: SHARE on alerts)
CREATE INDEX idx_alerts_agency_id ON public.alerts (agency_id);

-- enable row level security on alerts (locks: ACCESS EXCLUSIVE on alerts)
ALTER TABLE public.alerts ENABLE ROW LEVEL SECURITY;

-- policy "Agency members can read alerts" (locks: ACCESS EXCLUSIVE on alerts, ACCESS SHARE on users, ACCESS SHARE on clients)
CREATE POLICY "Agency members can read alerts" ON public.alerts
  FOR SELECT TO authenticated
  USING (agency_id IN (SELECT clients.agency_id FROM public.users JOIN public.clients ON clients.id = users.client_id WHERE users.id = auth.uid()));

-- create tickets (plans/CC1-audienceos-core-tables.md:46, rewritten) (locks: ACCESS EXCLUSIVE on tickets, SHARE ROW EXCLUSIVE on agencies, SHARE ROW EXCLUSIVE on users)
CREATE TABLE tickets (
  id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
  agency_id UUID NOT NULL REFERENCES agencies(id) ON DELETE CASCADE,
  title TEXT NOT NULL,
  description TEXT,
  status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'pending', 'resolved', 'closed')),
  priority INTEGER DEFAULT 3,
  assignee_id UUID REFERENCES users(id) ON DELETE SET NULL,
  created_at TIMESTAMPTZ DEFAULT now(),
  updated_at TIMESTAMPTZ DEFAULT now()
);

-- index tickets (agency_id) (locks: SHARE on tickets)
CREATE INDEX idx_tickets_agency_id ON public.tickets (agency_id);

-- index tickets (assignee_id) (locks: SHARE on tickets)
CREATE INDEX idx_tickets_assignee_id ON public.tickets (assignee_id);

-- enable row level security on tickets (locks: ACCESS EXCLUSIVE on tickets)
ALTER TABLE public.tickets ENABLE ROW LEVEL SECURITY;

-- policy "Agency members can read tickets" (locks: ACCESS EXCLUSIVE on tickets, ACCESS SHARE on users, ACCESS SHARE on clients)
CREATE POLICY "Agency members can read tickets" ON public.tickets
  FOR SELECT TO authenticated
  USING (agency_id IN (SELECT clients.agency_id FROM public.users JOIN public.clients ON clients.id = users.client_id WHERE users.id = auth.uid()));

-- policy "Agency members can add tickets" (locks: ACCESS EXCLUSIVE on tickets, ACCESS SHARE on users, ACCESS SHARE on clients)
CREATE POLICY "Agency members can add tickets" ON public.tickets
  FOR INSERT TO authenticated
  WITH CHECK (agency_id IN (SELECT clients.agency_id FROM public.users JOIN public.clients ON clients.id = users.client_id WHERE users.id = auth.uid()));

-- policy "Agency members can change tickets" (locks: ACCESS EXCLUSIVE on tickets, ACCESS SHARE on users, ACCESS SHARE on clients)
CREATE POLICY "Agency members can change tickets" ON public.tickets
  FOR UPDATE TO authenticated
  USING (agency_id IN (SELECT clients.agency_id FROM public.users JOIN public.clients ON clients.id = users.client_id WHERE users.id = auth.uid()))
  WITH CHECK (agency_id IN (SELECT clients.agency_id FROM public.users JOIN public.clients ON clients.id = users.client_id WHERE users.id = auth.uid()));

-- policy "Agency members can delete tickets" (locks: ACCESS EXCLUSIVE on tickets, ACCESS SHARE on users, ACCESS SHARE on clients)
CREATE POLICY "Agency members can delete tickets" ON public.tickets
  FOR DELETE TO authenticated
  USING (agency_id IN (SELECT clients.agency_id FROM public.users JOIN public.clients ON clients.id = users.client_id WHERE users.id = auth.uid()));

-- create documents (plans/CC1-audienceos-core-tables.md:58, rewritten) (locks: ACCESS EXCLUSIVE on documents, SHARE ROW EXCLUSIVE on agencies, SHARE ROW EXCLUSIVE on users)
CREATE TABLE documents (
  id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
  agency_id UUID NOT NULL REFERENCES agencies(id) ON DELETE CASCADE,
  title TEXT NOT NULL,
  storage_path TEXT NOT NULL,
  mime_type TEXT,
  size_bytes BIGINT,
  uploaded_by UUID REFERENCES users(id) ON DELETE SET NULL,
  created_at TIMESTAMPTZ DEFAULT now()
);

-- index documents (agency_id) (locks: SHARE on documents)
CREATE INDEX idx_documents_agency_id ON public.documents (agency_id);

-- index documents (uploaded_by) (locks: SHARE on documents)
CREATE INDEX idx_documents_uploaded_by ON public.documents (uploaded_by);

-- enable row level security on documents (locks: ACCESS EXCLUSIVE on documents)
ALTER TABLE public.documents ENABLE ROW LEVEL SECURITY;

-- policy "Agency members can read documents" (locks: ACCESS EXCLUSIVE on documents, ACCESS SHARE on users, ACCESS SHARE on clients)
CREATE POLICY "Agency members can read documents" ON public.documents
  FOR SELECT TO authenticated
  USING (agency_id IN (SELECT clients.agency_id FROM public.users JOIN public.clients ON clients.id = users.client_id WHERE users.id = auth.uid()));

-- policy "Agency members can add documents" (locks: ACCESS EXCLUSIVE on documents, ACCESS SHARE on users, ACCESS SHARE on clients)
CREATE POLICY "Agency members can add documents" ON public.documents
  FOR INSERT TO authenticated
  WITH CHECK (agency_id IN (SELECT clients.agency_id FROM public.users JOIN public.clients ON clients.id = users.client_id WHERE users.id = auth.uid()));

-- policy "Agency members can change documents" (locks: ACCESS EXCLUSIVE on documents, ACCESS SHARE on users, ACCESS SHARE on clients)
CREATE POLICY "Agency members can change documents" ON public.documents
  FOR UPDATE TO authenticated
  USING (agency_id IN (SELECT clients.agency_id FROM public.users JOIN public.clients ON clients.id = users.client_id WHERE users.id = auth.uid()))
  WITH CHECK (agency_id IN (SELECT clients.agency_id FROM public.users JOIN public.clients ON clients.id = users.client_id WHERE users.id = auth.uid()));

-- policy "Agency members can delete documents" (locks: ACCESS EXCLUSIVE on documents, ACCESS SHARE on users, ACCESS SHARE on clients)
CREATE POLICY "Agency members can delete documents" ON public.documents
  FOR DELETE TO authenticated
  USING (agency_id IN (SELECT clients.agency_id FROM public.users JOIN public.clients ON clients.id = users.client_id WHERE users.id = auth.uid()));

COMMIT;
